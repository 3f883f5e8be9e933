// ApiError (api/api_error.h): the validator's "FIELD: message" lines as a 422, and the JSON body
// every error is rendered as: {"error", "message", "field"} (+ "errors" for a 422).
#include "api/api_error.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>
#include <utility>
#include <vector>

namespace gslb::api {
namespace {

using nlohmann::json;
using Errors = std::vector<std::pair<std::string, std::string>>;

json body_of(const HttpResponse& r) {
  json j = json::parse(r.body, nullptr, false);
  EXPECT_FALSE(j.is_discarded()) << "not JSON: " << r.body;
  return j;
}

TEST(ApiInvalidLines, OneLineNamesItsField) {
  ApiError e = invalid_lines("weight: must be 0 to 65535 (got 70000)");
  EXPECT_EQ(e.status, 422);
  EXPECT_EQ(e.code, "invalid");
  EXPECT_EQ(e.field, "weight");
  EXPECT_EQ(e.message, "weight: must be 0 to 65535 (got 70000)");
  EXPECT_EQ(e.errors, (Errors{{"weight", "must be 0 to 65535 (got 70000)"}}));
}

TEST(ApiInvalidLines, SeveralLinesAreListedAndTheFirstNamesTheField) {
  ApiError e = invalid_lines(
      "services[0].members[1].address: not an IP address\n"
      "services[0].ttl: must be 0 to 86400 (got 90000)\n");
  EXPECT_EQ(e.field, "services[0].members[1].address");
  EXPECT_EQ(e.errors, (Errors{{"services[0].members[1].address", "not an IP address"},
                              {"services[0].ttl", "must be 0 to 86400 (got 90000)"}}));
  EXPECT_EQ(e.message,
            "services[0].members[1].address: not an IP address; "
            "services[0].ttl: must be 0 to 86400 (got 90000)");
}

TEST(ApiInvalidLines, EmptyLinesAreSkipped) {
  ApiError e = invalid_lines("\nname: required\n\nport: expected an integer\n\n");
  EXPECT_EQ(e.errors, (Errors{{"name", "required"}, {"port", "expected an integer"}}));
  EXPECT_EQ(e.field, "name");
}

TEST(ApiInvalidLines, ThePrefixGoesBeforeEveryField) {
  ApiError e =
      invalid_lines("weight: must be 0 to 65535 (got 70000)\nname: required", "members[2].");
  EXPECT_EQ(e.field, "members[2].weight");
  EXPECT_EQ(e.errors, (Errors{{"members[2].weight", "must be 0 to 65535 (got 70000)"},
                              {"members[2].name", "required"}}));
  EXPECT_EQ(e.message,
            "members[2].weight: must be 0 to 65535 (got 70000); members[2].name: required");
}

TEST(ApiInvalidLines, ALineAboutTheWholeObjectHasNoField) {
  ApiError e = invalid_lines(": expected an object");
  EXPECT_EQ(e.status, 422);
  EXPECT_EQ(e.field, "");
  EXPECT_EQ(e.errors, (Errors{{"", "expected an object"}}));
  EXPECT_EQ(e.message, "expected an object");
}

TEST(ApiInvalidLines, ALineAboutTheWholeObjectWithAPrefixNamesTheObject) {
  ApiError e = invalid_lines(": expected an object", "members[2].");
  EXPECT_EQ(e.field, "members[2]");
  EXPECT_EQ(e.errors, (Errors{{"members[2]", "expected an object"}}));
}

TEST(ApiInvalidLines, AJsonSyntaxPositionIsNotAField) {
  const std::string line = "line 3, column 5: syntax error while parsing object - unexpected '}'";
  ApiError e = invalid_lines(line);
  EXPECT_EQ(e.field, "");
  EXPECT_EQ(e.errors, (Errors{{"", line}}));
  EXPECT_EQ(e.message, line);
}

TEST(ApiInvalidLines, OnlyTheFirstColonSplitsFieldAndMessage) {
  ApiError e = invalid_lines("zones[0].file: /etc/z.zone: cannot read");
  EXPECT_EQ(e.field, "zones[0].file");
  EXPECT_EQ(e.errors, (Errors{{"zones[0].file", "/etc/z.zone: cannot read"}}));
}

TEST(ApiInvalidLines, TextWithoutAnyFieldIsTheMessage) {
  ApiError e = invalid_lines("nothing to change");
  EXPECT_EQ(e.field, "");
  EXPECT_EQ(e.message, "nothing to change");
  EXPECT_EQ(e.errors, (Errors{{"", "nothing to change"}}));
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
  HttpResponse r = error_response(invalid_lines(
      "services[0].members[0].weight: must be 0 to 65535 (got 70000)\n: expected an object"));
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
  ApiError e = invalid_lines("name: required");
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
