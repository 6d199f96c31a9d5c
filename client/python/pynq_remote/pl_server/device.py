"""Device discovery and selection, as in PYNQ: ``Device.devices``, ``Device.active_device``.

Device classes register themselves by defining ``_probe_`` (returns the devices it finds)
and ``_probe_priority_``; the first call to ``Device.devices`` probes them all once.
"""


class DeviceMeta(type):
    """Collects ``_probe_`` classes into a registry, highest priority first."""

    _subclasses = {}

    def __init__(cls, name, bases, attrs):
        if "_probe_" in attrs:
            DeviceMeta._subclasses[(attrs.get("_probe_priority_", 0), name)] = cls
        super().__init__(name, bases, attrs)

    @property
    def devices(cls):
        """Every device the registered classes find (probed on first use)."""
        if Device._devices is None:
            found = []
            for key in sorted(DeviceMeta._subclasses, reverse=True):
                found.extend(DeviceMeta._subclasses[key]._probe_())
            Device._devices = found
        return list(Device._devices)

    @property
    def active_device(cls):
        """The device used when none is given: the first found, unless one was set.

        Raises
        ------
        RuntimeError
            When no device is found (PYNQ_REMOTE_DEVICES unset or empty).
        """
        if Device._active_device is None:
            devices = cls.devices
            if not devices:
                raise RuntimeError("No devices found: set PYNQ_REMOTE_DEVICES to the board's "
                                   "host[:port] (comma-separated for several), or pass "
                                   "device= explicitly")
            Device._active_device = devices[0]
        return Device._active_device

    @active_device.setter
    def active_device(cls, value):
        Device._active_device = value


class Device(metaclass=DeviceMeta):
    """Base of every device: a name and the capabilities it offers."""

    _devices = None
    _active_device = None

    def __init__(self, name):
        self.name = name
        self.capabilities = {}

    def has_capability(self, cap):
        return self.capabilities.get(cap, False)

    @classmethod
    def reset_registry(cls):
        """Forgets probed devices so the next use probes PYNQ_REMOTE_DEVICES again."""
        Device._devices = None
        Device._active_device = None
