// A private scratch directory for the fuzz targets that need files (a zone file, a database):
// made once per process under /dev/shm (else /tmp), so inputs never touch the source tree and
// the disk is not the bottleneck, and removed at exit.
#pragma once

#include <stdlib.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <string>

namespace gslb::fuzz {

inline const std::string& scratch_dir() {
  static const std::string dir = [] {
    std::string tmpl = std::filesystem::is_directory("/dev/shm") ? "/dev/shm/gslbd-fuzz-XXXXXX"
                                                                 : "/tmp/gslbd-fuzz-XXXXXX";
    if (!mkdtemp(tmpl.data())) {
      perror("mkdtemp");
      abort();
    }
    static std::string keep = tmpl;
    atexit([] {
      std::error_code ec;
      std::filesystem::remove_all(keep, ec);
    });
    return tmpl;
  }();
  return dir;
}

// Writes `data` to `name` in the scratch directory; returns its path.
inline std::string scratch_file(const std::string& name, const uint8_t* data, size_t size) {
  const std::string path = scratch_dir() + "/" + name;
  FILE* f = fopen(path.c_str(), "wb");
  if (!f || fwrite(data, 1, size, f) != size || fclose(f) != 0) {
    perror(path.c_str());
    abort();
  }
  return path;
}

// Stops the run with a message: the replay driver and libFuzzer both report an abort.
[[noreturn]] inline void fail(const char* target, const std::string& what) {
  fprintf(stderr, "%s: %s\n", target, what.c_str());
  abort();
}

}  // namespace gslb::fuzz
