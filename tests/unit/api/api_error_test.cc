// ApiError (api/api_error.h): an Error of the layers below by its kind (a rejected document's
// problems as a 422 listing each field, the store's kinds as their statuses), and the JSON body
// every error is rendered as: {"error", "message", "field"} (+ "errors" for a 422).
#include "api/api_error.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>
#include <utility>
#include <vector>

#include "zones/config/config_desired.h"

namespace gslb::api {
namespace {

using nlohmann::json;
using Errors = std::vector<std::pair<std::string, std::string>>;

// A rejected document or object as the validator (zones/config) hands it over: one problem per
// (field, message), the message listing them one "FIELD: message" line each.
Error rejected(const Errors& problems) {
  Error e{ErrorKind::invalid, "document", "", ""};
  for (const auto& [field, message] : problems) {
    e.problems.push_back(Error{ErrorKind::invalid, "document", field, message});
    e.message += (e.message.empty() ? "" : "\n") + field + ": " + message;
  }
  return e;
}

json body_of(const HttpResponse& r) {
  json j = json::parse(r.body, nullptr, false);
  EXPECT_FALSE(j.is_discarded()) << "not JSON: " << r.body;
  return j;
}

TEST(ApiInvalidProblems, OneLineNamesItsField) {
  ApiError e = api_error(rejected({{"weight", "must be 0 to 65535 (got 70000)"}}));
  EXPECT_EQ(e.status, 422);
  EXPECT_EQ(e.code, "invalid");
  EXPECT_EQ(e.field, "weight");
  EXPECT_EQ(e.message, "weight: must be 0 to 65535 (got 70000)");
  EXPECT_EQ(e.errors, (Errors{{"weight", "must be 0 to 65535 (got 70000)"}}));
}

TEST(ApiInvalidProblems, SeveralLinesAreListedAndTheFirstNamesTheField) {
  ApiError e = api_error(rejected({{"services[0].members[1].address", "not an IP address"},
                                   {"services[0].ttl", "must be 0 to 86400 (got 90000)"}}));
  EXPECT_EQ(e.field, "services[0].members[1].address");
  EXPECT_EQ(e.errors, (Errors{{"services[0].members[1].address", "not an IP address"},
                              {"services[0].ttl", "must be 0 to 86400 (got 90000)"}}));
  EXPECT_EQ(e.message,
            "services[0].members[1].address: not an IP address; "
            "services[0].ttl: must be 0 to 86400 (got 90000)");
}

// The problems are the list; the message text beside them is for those who only print it.
TEST(ApiInvalidProblems, TheMessageTextIsNotRead) {
  Error r = rejected({{"name", "required"}, {"port", "expected an integer"}});
  r.message = "\nzones[9].ttl: locked\n\nbusy: UNIQUE constraint failed\n\n";
  ApiError e = api_error(r);
  EXPECT_EQ(e.errors, (Errors{{"name", "required"}, {"port", "expected an integer"}}));
  EXPECT_EQ(e.field, "name");
}

TEST(ApiInvalidProblems, ThePrefixGoesBeforeEveryField) {
  ApiError e =
      api_error(rejected({{"weight", "must be 0 to 65535 (got 70000)"}, {"name", "required"}}),
                "members[2].");
  EXPECT_EQ(e.field, "members[2].weight");
  EXPECT_EQ(e.errors, (Errors{{"members[2].weight", "must be 0 to 65535 (got 70000)"},
                              {"members[2].name", "required"}}));
  EXPECT_EQ(e.message,
            "members[2].weight: must be 0 to 65535 (got 70000); members[2].name: required");
}

TEST(ApiInvalidProblems, ALineAboutTheWholeObjectHasNoField) {
  ApiError e = api_error(rejected({{"", "expected an object"}}));
  EXPECT_EQ(e.status, 422);
  EXPECT_EQ(e.field, "");
  EXPECT_EQ(e.errors, (Errors{{"", "expected an object"}}));
  EXPECT_EQ(e.message, "expected an object");
}

TEST(ApiInvalidProblems, ALineAboutTheWholeObjectWithAPrefixNamesTheObject) {
  ApiError e = api_error(rejected({{"", "expected an object"}}), "members[2].");
  EXPECT_EQ(e.field, "members[2]");
  EXPECT_EQ(e.errors, (Errors{{"members[2]", "expected an object"}}));
}

TEST(ApiInvalidProblems, AJsonSyntaxPositionIsNotAField) {
  const std::string line = "line 3, column 5: syntax error while parsing object - unexpected '}'";
  ApiError e = api_error(make_error(ErrorKind::invalid, line, "document"));
  EXPECT_EQ(e.field, "");
  EXPECT_EQ(e.errors, (Errors{{"", line}}));
  EXPECT_EQ(e.message, line);
}

TEST(ApiInvalidProblems, AColonInTheMessageIsNotAField) {
  ApiError e = api_error(rejected({{"zones[0].file", "/etc/z.zone: cannot read"}}));
  EXPECT_EQ(e.field, "zones[0].file");
  EXPECT_EQ(e.errors, (Errors{{"zones[0].file", "/etc/z.zone: cannot read"}}));
}

TEST(ApiInvalidProblems, TextWithoutAnyFieldIsTheMessage) {
  ApiError e = api_error(make_error("nothing to change"));
  EXPECT_EQ(e.field, "");
  EXPECT_EQ(e.message, "nothing to change");
  EXPECT_EQ(e.errors, (Errors{{"", "nothing to change"}}));
}

TEST(ApiErrorKinds, EachKindHasItsStatusAndCode) {
  struct Case {
    ErrorKind kind;
    int status;
    const char* code;
  };
  const Case cases[] = {
      {ErrorKind::invalid, 422, "invalid"},   {ErrorKind::not_found, 404, "not_found"},
      {ErrorKind::conflict, 409, "conflict"}, {ErrorKind::busy, 503, "unavailable"},
      {ErrorKind::corrupt, 500, "internal"},  {ErrorKind::io, 500, "internal"},
      {ErrorKind::internal, 500, "internal"},
  };
  for (const Case& c : cases) {
    HttpResponse r = error_response(api_error(make_error(c.kind, "gslb.db: m", "gslb.db")));
    EXPECT_EQ(r.status, c.status) << kind_name(c.kind);
    json j = body_of(r);
    EXPECT_EQ(j["error"], c.code) << kind_name(c.kind);
    EXPECT_EQ(j["message"], "gslb.db: m") << kind_name(c.kind);
  }
}

// What the message says (SQLite's words, a user's value) never changes the status.
TEST(ApiErrorKinds, TheMessageTextDoesNotDecide) {
  struct Case {
    ErrorKind kind;
    const char* message;
    int status;
  };
  const Case cases[] = {
      {ErrorKind::invalid, "gslb.db: database is locked", 422},
      {ErrorKind::invalid, "name: \"busy\" UNIQUE constraint failed", 422},
      {ErrorKind::internal, "gslb.db: UNIQUE constraint failed: checks.name", 500},
      {ErrorKind::internal, "gslb.db: database is locked", 500},
      {ErrorKind::io, "gslb.db: database table is locked", 500},
      {ErrorKind::busy, "no service app.gslb.test", 503},
      {ErrorKind::conflict, "gslb.db: database is busy", 409},
      {ErrorKind::not_found, "UNIQUE constraint failed", 404},
  };
  for (const Case& c : cases)
    EXPECT_EQ(api_error(make_error(c.kind, c.message)).status, c.status)
        << kind_name(c.kind) << ": " << c.message;
}

TEST(ApiErrorKinds, AFieldOfAConflictIsKeptBehindThePrefix) {
  Error e = make_error(ErrorKind::conflict, "name taken");
  e.field = "name";
  ApiError a = api_error(e, "members[1].");
  EXPECT_EQ(a.status, 409);
  EXPECT_EQ(a.field, "members[1].name");
  EXPECT_TRUE(a.errors.empty());
}

// The validator's own errors, end to end: each problem with its field, none read from text.
TEST(ApiErrorKinds, TheValidatorsProblemsKeepTheirFields) {
  auto parsed = config::parse_member_object(
      R"({"name": "a", "address": "nope: really", "weight": 70000, "colour": "red"})", {});
  ASSERT_FALSE(parsed.ok());
  ApiError e = api_error(parsed.failure(), "members[0].");
  EXPECT_EQ(e.status, 422);
  EXPECT_EQ(e.errors, (Errors{{"members[0].colour", "unknown key"},
                              {"members[0].address", "not an IP address"},
                              {"members[0].weight", "must be 0 to 65535 (got 70000)"}}))
      << parsed.error();
  EXPECT_EQ(e.field, "members[0].colour");

  auto not_object = config::parse_check_object("[1]", {});
  ASSERT_FALSE(not_object.ok());
  ApiError whole = api_error(not_object.failure());
  EXPECT_EQ(whole.field, "");
  EXPECT_EQ(whole.errors, (Errors{{"", "expected an object"}}));

  auto syntax = config::parse_check_object("{\"name\": ", {});
  ASSERT_FALSE(syntax.ok());
  ApiError bad = api_error(syntax.failure());
  EXPECT_EQ(bad.status, 422);
  EXPECT_EQ(bad.field, "");
  EXPECT_EQ(bad.message.rfind("line 1, column ", 0), 0u) << bad.message;
}

TEST(ApiErrorResponse, RendersCodeMessageFieldAndStatus) {
  HttpResponse r = error_response(bad_request("limit: expected an integer 1 to 10000", "limit"));
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(r.content_type, "application/json");
  json j = body_of(r);
  EXPECT_EQ(j, json({{"error", "bad_request"},
                     {"message", "limit: expected an integer 1 to 10000"},
                     {"field", "limit"}}));
}

TEST(ApiErrorResponse, AnEmptyFieldIsNull) {
  HttpResponse r = error_response(not_found("no service app.example.test"));
  EXPECT_EQ(r.status, 404);
  json j = body_of(r);
  ASSERT_TRUE(j.contains("field"));
  EXPECT_TRUE(j["field"].is_null());
  EXPECT_EQ(j["error"], "not_found");
  EXPECT_EQ(j["message"], "no service app.example.test");
  EXPECT_FALSE(j.contains("errors"));
}

TEST(ApiErrorResponse, EachConstructorHasItsStatusAndCode) {
  struct Case {
    ApiError e;
    int status;
    const char* code;
  };
  const Case cases[] = {
      {bad_request("m"), 400, "bad_request"},
      {not_found("m"), 404, "not_found"},
      {conflict("m", "name"), 409, "conflict"},
      {unsupported_media_type("m"), 415, "unsupported_media_type"},
      {invalid("m", "weight"), 422, "invalid"},
      {server_error("m"), 500, "internal"},
  };
  for (const Case& c : cases) {
    HttpResponse r = error_response(c.e);
    EXPECT_EQ(r.status, c.status) << c.code;
    json j = body_of(r);
    EXPECT_EQ(j["error"], c.code);
    EXPECT_EQ(j["message"], "m");
  }
  EXPECT_EQ(body_of(error_response(conflict("m", "name")))["field"], "name");
}

TEST(ApiErrorResponse, AnInvalidDocumentListsEveryError) {
  HttpResponse r = error_response(
      api_error(rejected({{"services[0].members[0].weight", "must be 0 to 65535 (got 70000)"},
                          {"", "expected an object"}})));
  EXPECT_EQ(r.status, 422);
  json j = body_of(r);
  EXPECT_EQ(j["error"], "invalid");
  EXPECT_EQ(j["field"], "services[0].members[0].weight");
  ASSERT_TRUE(j.contains("errors"));
  const json want = json::parse(R"js([
    {"field": "services[0].members[0].weight", "message": "must be 0 to 65535 (got 70000)"},
    {"field": null, "message": "expected an object"}])js");
  EXPECT_EQ(j["errors"], want);
}

TEST(ApiErrorResponse, ErrorsAreOnlyListedFor422) {
  ApiError e = api_error(rejected({{"name", "required"}}));
  e.status = 409;
  e.code = "conflict";
  json j = body_of(error_response(e));
  EXPECT_FALSE(j.contains("errors"));
  EXPECT_EQ(j["field"], "name");
}

TEST(ApiErrorResponse, InvalidUtf8InAMessageStillRendersJson) {
  HttpResponse r = error_response(bad_request("bad \xff byte"));
  json j = body_of(r);
  EXPECT_EQ(j["error"], "bad_request");
  EXPECT_TRUE(j["message"].is_string());
}

TEST(ApiOutcome, HoldsAValueOrAnError) {
  Outcome<int> good = 7;
  ASSERT_TRUE(good);
  EXPECT_EQ(*good, 7);
  Outcome<int> bad = not_found("gone");
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().status, 404);
  EXPECT_EQ(bad.error().message, "gone");
}

}  // namespace
}  // namespace gslb::api
