// Result<T>: a value or an Error. Used at every boundary (zone files, config, the store); the
// query hot path never produces one. Thread-compatible value type.
//
// An Error carries what a caller decides on (its kind, the field it is about) apart from the
// message a user reads, so nobody has to search message text to decide what happened.
#pragma once

#include <string>
#include <utility>
#include <variant>
#include <vector>

namespace gslb {

enum class ErrorKind {
  internal,   // none of the below: a bug, or a failure nobody can act on
  invalid,    // the input is wrong (a document, a zone file, an option, a row)
  not_found,  // the thing named does not exist
  conflict,   // the input clashes with what exists (a name taken, a row lost to a writer)
  busy,       // the database is locked by another writer: retrying may succeed
  corrupt,    // the file is not a (gslbd) database, or is damaged
  io,         // the file cannot be opened, read or written (permissions, disk full)
};

// "invalid", "not_found", ...: for logs and test output.
inline const char* kind_name(ErrorKind k) {
  switch (k) {
    case ErrorKind::internal:
      return "internal";
    case ErrorKind::invalid:
      return "invalid";
    case ErrorKind::not_found:
      return "not_found";
    case ErrorKind::conflict:
      return "conflict";
    case ErrorKind::busy:
      return "busy";
    case ErrorKind::corrupt:
      return "corrupt";
    case ErrorKind::io:
      return "io";
  }
  return "internal";
}

struct Error {
  ErrorKind kind = ErrorKind::internal;
  // Where it came from, for whoever reports it: a file path ("gslb.db"), "document".
  std::string origin = {};
  // The JSON path of the one field it is about ("services[0].ttl"); empty: the input as a
  // whole. When set, `message` is about that field and does not repeat it.
  std::string field = {};
  std::string message = {};
  // A rejected document lists every problem (each with its field); `message` then holds all of
  // them, one "FIELD: message" line each, for callers that only print.
  std::vector<Error> problems = {};
};

template <typename T>
class Result {
 public:
  Result(T value) : v_(std::move(value)) {}  // NOLINT: implicit by design
  Result(Error e) : v_(std::move(e)) {}      // NOLINT

  bool ok() const { return v_.index() == 0; }
  explicit operator bool() const { return ok(); }
  T& value() { return std::get<0>(v_); }
  const T& value() const { return std::get<0>(v_); }
  T& operator*() { return value(); }
  const T& operator*() const { return value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  const std::string& error() const { return std::get<1>(v_).message; }
  // The whole error, to pass on (its kind kept) or to decide on.
  const Error& failure() const { return std::get<1>(v_); }

 private:
  std::variant<T, Error> v_;
};

// Result<void>
template <>
class Result<void> {
 public:
  Result() = default;
  Result(Error e) : err_(std::move(e)), ok_(false) {}  // NOLINT
  bool ok() const { return ok_; }
  explicit operator bool() const { return ok_; }
  const std::string& error() const { return err_.message; }
  const Error& failure() const { return err_; }

 private:
  Error err_;
  bool ok_ = true;
};

// Nearly every message built by hand describes input that is wrong (a name, a zone file line, an
// option), so that is the default; the store and the rest say their kind.
inline Error make_error(std::string msg) {
  return Error{ErrorKind::invalid, {}, {}, std::move(msg)};
}
inline Error make_error(ErrorKind kind, std::string msg, std::string origin = {}) {
  return Error{kind, std::move(origin), {}, std::move(msg)};
}

// `e` with `prefix` before its message ("zone example.test: "), its kind and field kept.
inline Error prefixed(const std::string& prefix, Error e) {
  e.message = prefix + e.message;
  return e;
}

}  // namespace gslb
