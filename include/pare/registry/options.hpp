#pragma once

#include <string>

namespace pare {

/// How pare talks to registries: the flags every command that reads or writes a docker://
/// reference shares, spelled as skopeo spells them.
struct RegistryOptions {
  /// USER[:PASSWORD] (--creds); empty: the auth files (see find_credentials).
  std::string creds;
  /// --tls-verify=false: accept any certificate, and plain HTTP where HTTPS is not answered.
  bool tls_verify = true;
  /// --cert-dir: a folder of CA certificates (*.crt) trusted besides the system's; empty:
  /// /etc/containers/certs.d/HOST/ and /etc/docker/certs.d/HOST/ when they exist.
  std::string cert_dir;
  /// Attempts of a request that failed for a reason worth retrying (429, 5xx, a broken
  /// connection); the waits between them double from retry_delay_ms.
  int attempts = 5;
  long retry_delay_ms = 500;
  /// A progress line on a terminal (the caller knows whether there is one).
  bool progress = false;
};

}  // namespace pare
