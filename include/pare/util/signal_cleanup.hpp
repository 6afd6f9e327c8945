#pragma once

#include <filesystem>
#include <functional>

namespace pare {

/// Temporary files and folders that SIGINT, SIGTERM and SIGHUP must not leave behind: a CI
/// runner that cancels a job would otherwise fill its disk with spools and half-written outputs.
/// `make` creates one and returns its path; it runs under the lock the cleanup takes, so nothing
/// made while the process is being ended escapes it. Returns what `make` returned.
std::filesystem::path track_temporary(const std::function<std::filesystem::path()>& make);
/// The path is gone (removed, or renamed into place as an output): no longer the cleanup's.
void untrack_temporary(const std::filesystem::path& path);

/// Blocks SIGINT, SIGTERM and SIGHUP in the calling thread (and so in every thread it starts
/// later) and starts a thread that waits for them: it removes what is tracked and ends the
/// process by the same signal. Call once, from main, before any other thread starts.
void install_signal_cleanup();

/// Unblocks those signals: for a child between fork (or clone) and exec, which inherits the
/// mask. Async-signal-safe.
void unblock_cleanup_signals();

}  // namespace pare
