#include "pare/util/signal_cleanup.hpp"

#include "pare/util/file.hpp"

#include <pthread.h>
#include <unistd.h>

#include <csignal>
#include <mutex>
#include <set>
#include <thread>

namespace pare {

namespace {

struct Tracked {
  std::mutex mutex;
  std::set<std::filesystem::path> paths;
};

Tracked& tracked() {
  static Tracked t;  // never destroyed before the cleanup thread is done with it
  return t;
}

sigset_t cleanup_signals() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGHUP);
  return set;
}

[[noreturn]] void clean_up_and_die(int signal) {
  Tracked& t = tracked();
  t.mutex.lock();  // held until the end: nothing new is tracked, nothing untracked meanwhile
  for (const auto& path : t.paths) {
    remove_tree(path);  // never into a mount below it
  }
  // End as the signal would have: the parent sees "killed by SIGINT", not an exit code.
  std::signal(signal, SIG_DFL);
  sigset_t only;
  sigemptyset(&only);
  sigaddset(&only, signal);
  pthread_sigmask(SIG_UNBLOCK, &only, nullptr);
  std::raise(signal);
  ::_exit(128 + signal);
}

}  // namespace

std::filesystem::path track_temporary(const std::function<std::filesystem::path()>& make) {
  Tracked& t = tracked();
  const std::lock_guard lock(t.mutex);
  std::filesystem::path path = make();
  if (!path.empty()) t.paths.insert(path);  // empty: `make` failed, errno still says why
  return path;
}

void untrack_temporary(const std::filesystem::path& path) {
  Tracked& t = tracked();
  const std::lock_guard lock(t.mutex);
  t.paths.erase(path);
}

void install_signal_cleanup() {
  const sigset_t set = cleanup_signals();
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
  std::thread([set] {
    int signal = 0;
    while (sigwait(&set, &signal) != 0) {
    }
    clean_up_and_die(signal);
  }).detach();
}

void unblock_cleanup_signals() {
  const sigset_t set = cleanup_signals();
  pthread_sigmask(SIG_UNBLOCK, &set, nullptr);
}

}  // namespace pare
