// Result<T>: a value or an error message a user can act on. Used at every boundary (zone files,
// config, the store); the query hot path never produces one. Thread-compatible value type.
#pragma once

#include <string>
#include <utility>
#include <variant>

namespace gslb {

struct Error {
  std::string message;
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

 private:
  std::variant<T, Error> v_;
};

// Result<void>
template <>
class Result<void> {
 public:
  Result() = default;
  Result(Error e) : err_(std::move(e.message)), ok_(false) {}  // NOLINT
  bool ok() const { return ok_; }
  explicit operator bool() const { return ok_; }
  const std::string& error() const { return err_; }

 private:
  std::string err_;
  bool ok_ = true;
};

inline Error make_error(std::string msg) {
  return Error{std::move(msg)};
}

}  // namespace gslb
