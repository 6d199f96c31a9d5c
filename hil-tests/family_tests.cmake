# The board-family suites (issue 15): a Zynq-7000 design on the Pynq-Z2 profile, and two DMAs
# running at once on the default ZCU104. Each is its own ctest entry, so `ctest -R
# hil_zynq7000_board` or `ctest -R hil_dual_dma` runs it alone; client_e2e_pytest leaves these
# files to them (PYNQ_REMOTE_FAMILY_PYTEST_IGNORE) rather than running them twice. Included by
# hil-tests/CMakeLists.txt after PYTEST_ENV is set.
# imported_design (issue 16): the real resizer .hwh through pynq-remote-design import;
# dma_sg: the AXI DMA in scatter-gather mode (dma_sg_loopback).
# interrupts, ps_gpio (issue 17): PL interrupts and PS GPIO/EMIO through pynq_remote.
# round_trips (issue 18): read_many/write_many, MMIO.poll and the drivers waiting on the board.
set(PYNQ_REMOTE_FAMILY_PYTESTS zynq7000_board dual_dma imported_design dma_sg interrupts ps_gpio
    round_trips)
set(PYNQ_REMOTE_FAMILY_PYTEST_IGNORE)
# The in-tree design packages (PYNQ_REMOTE_DESIGN_PACKAGES): a ZynqMP one offered to a Pynq-Z2
# board must be refused naming both families. Without them that test skips.
if(PYNQ_REMOTE_DESIGN_PACKAGES)
  set(family_packages_dir ${PROJECT_BINARY_DIR}/design-packages)
else()
  set(family_packages_dir "")
endif()
foreach(suite ${PYNQ_REMOTE_FAMILY_PYTESTS})
  set(file ${CMAKE_CURRENT_SOURCE_DIR}/python/test_${suite}.py)
  list(APPEND PYNQ_REMOTE_FAMILY_PYTEST_IGNORE --ignore=${file})
  add_test(NAME hil_${suite}_pytest
           COMMAND ${PYTHON3} -m pytest -q -p no:cacheprovider -rs ${file})
  set_tests_properties(hil_${suite}_pytest PROPERTIES LABELS "hil;python" TIMEOUT 900
    ENVIRONMENT "${PYTEST_ENV};PYNQ_REMOTE_DESIGN_PACKAGES_DIR=${family_packages_dir}")
endforeach()
