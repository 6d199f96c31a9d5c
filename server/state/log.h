// Leveled logging to stderr with a UTC timestamp: "2026-11-23T18:40:01.123Z INFO text".
#ifndef PYNQ_REMOTE_SERVER_STATE_LOG_H_
#define PYNQ_REMOTE_SERVER_STATE_LOG_H_

#include <optional>
#include <string>

namespace pynq_remote {

enum class LogLevel { kError = 0, kWarn = 1, kInfo = 2, kDebug = 3 };

/// "error", "warn", "info", "debug"; nullopt for anything else.
std::optional<LogLevel> ParseLogLevel(const std::string& text);
void SetLogLevel(LogLevel level);
bool LogEnabled(LogLevel level);
/// Thread-safe: one line per call, never interleaved.
void Log(LogLevel level, const std::string& text);

inline void LogError(const std::string& text) { Log(LogLevel::kError, text); }
inline void LogWarn(const std::string& text) { Log(LogLevel::kWarn, text); }
inline void LogInfo(const std::string& text) { Log(LogLevel::kInfo, text); }
inline void LogDebug(const std::string& text) { Log(LogLevel::kDebug, text); }

}  // namespace pynq_remote

#endif  // PYNQ_REMOTE_SERVER_STATE_LOG_H_
