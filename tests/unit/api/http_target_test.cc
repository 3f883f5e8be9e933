// parse_target (api/http_message.h): the request target as the router sees it, split into
// percent-decoded path segments and an ordered, decoded query.
#include <gtest/gtest.h>

#include <string>
#include <utility>
#include <vector>

#include "api/http_message.h"

namespace gslb::api {
namespace {

using Segments = std::vector<std::string>;
using Query = std::vector<std::pair<std::string, std::string>>;

struct Parsed {
  bool ok = false;
  Segments segments;
  Query query;
};

Parsed parse(std::string_view target) {
  Parsed p;
  p.ok = parse_target(target, p.segments, p.query);
  return p;
}

TEST(ApiTarget, SplitsThePathIntoSegments) {
  Parsed p = parse("/v1/services/app.example.test/members");
  ASSERT_TRUE(p.ok);
  EXPECT_EQ(p.segments, (Segments{"v1", "services", "app.example.test", "members"}));
  EXPECT_TRUE(p.query.empty());
}

TEST(ApiTarget, TheRootHasNoSegments) {
  Parsed p = parse("/");
  ASSERT_TRUE(p.ok);
  EXPECT_TRUE(p.segments.empty());
}

TEST(ApiTarget, ATrailingSlashIsIgnored) {
  Parsed with = parse("/v1/zones/");
  Parsed without = parse("/v1/zones");
  ASSERT_TRUE(with.ok);
  ASSERT_TRUE(without.ok);
  EXPECT_EQ(with.segments, (Segments{"v1", "zones"}));
  EXPECT_EQ(with.segments, without.segments);
}

TEST(ApiTarget, AnEmptySegmentInsideThePathIsKept) {
  Parsed p = parse("/v1//zones");
  ASSERT_TRUE(p.ok);
  EXPECT_EQ(p.segments, (Segments{"v1", "", "zones"}));
}

TEST(ApiTarget, PercentEncodingIsDecodedInSegments) {
  Parsed p = parse("/v1/services/app%2Eexample%2etest/members/web%201");
  ASSERT_TRUE(p.ok);
  EXPECT_EQ(p.segments, (Segments{"v1", "services", "app.example.test", "members", "web 1"}));
}

TEST(ApiTarget, AnEncodedSlashStaysInsideItsSegment) {
  Parsed p = parse("/v1/a%2Fb/c");
  ASSERT_TRUE(p.ok);
  EXPECT_EQ(p.segments, (Segments{"v1", "a/b", "c"}));
}

TEST(ApiTarget, AnEncodedQuestionMarkIsPartOfThePath) {
  Parsed p = parse("/v1/a%3Fb?x=1");
  ASSERT_TRUE(p.ok);
  EXPECT_EQ(p.segments, (Segments{"v1", "a?b"}));
  EXPECT_EQ(p.query, (Query{{"x", "1"}}));
}

TEST(ApiTarget, PlusIsLiteralInThePath) {
  Parsed p = parse("/v1/a+b");
  ASSERT_TRUE(p.ok);
  EXPECT_EQ(p.segments, (Segments{"v1", "a+b"}));
}

TEST(ApiTarget, QueryParametersAreDecodedInOrder) {
  Parsed p = parse("/v1/explain?name=app.example.test&type=AAAA&client=192.0.2.0%2F24");
  ASSERT_TRUE(p.ok);
  EXPECT_EQ(p.segments, (Segments{"v1", "explain"}));
  EXPECT_EQ(p.query,
            (Query{{"name", "app.example.test"}, {"type", "AAAA"}, {"client", "192.0.2.0/24"}}));
}

TEST(ApiTarget, PlusIsASpaceInTheQuery) {
  Parsed p = parse("/x?a+b=c+d%2B");
  ASSERT_TRUE(p.ok);
  EXPECT_EQ(p.query, (Query{{"a b", "c d+"}}));
}

TEST(ApiTarget, EmptyValuesAndKeysWithoutEquals) {
  Parsed p = parse("/x?dry_run&limit=&y=2");
  ASSERT_TRUE(p.ok);
  EXPECT_EQ(p.query, (Query{{"dry_run", ""}, {"limit", ""}, {"y", "2"}}));
}

TEST(ApiTarget, EmptyPairsAreSkipped) {
  Parsed p = parse("/x?&&a=1&&");
  ASSERT_TRUE(p.ok);
  EXPECT_EQ(p.query, (Query{{"a", "1"}}));
}

TEST(ApiTarget, ABareQuestionMarkGivesNoQuery) {
  Parsed p = parse("/v1/zones?");
  ASSERT_TRUE(p.ok);
  EXPECT_EQ(p.segments, (Segments{"v1", "zones"}));
  EXPECT_TRUE(p.query.empty());
}

TEST(ApiTarget, RepeatedKeysAreAllKeptAndParamAnswersTheFirst) {
  HttpRequest req;
  ASSERT_TRUE(parse_target("/x?limit=5&limit=7&other=1", req.segments, req.query));
  EXPECT_EQ(req.query, (Query{{"limit", "5"}, {"limit", "7"}, {"other", "1"}}));
  EXPECT_EQ(req.param("limit"), std::optional<std::string>("5"));
  EXPECT_EQ(req.param("other"), std::optional<std::string>("1"));
  EXPECT_EQ(req.param("missing"), std::nullopt);
}

TEST(ApiTarget, AnEqualsSignInsideTheValueIsKept) {
  Parsed p = parse("/x?a=b=c");
  ASSERT_TRUE(p.ok);
  EXPECT_EQ(p.query, (Query{{"a", "b=c"}}));
}

TEST(ApiTarget, EncodedSeparatorsInTheQueryStayInsideTheirPart) {
  Parsed p = parse("/x?q=a%26b&k%3D=v%3Dw");
  ASSERT_TRUE(p.ok);
  EXPECT_EQ(p.query, (Query{{"q", "a&b"}, {"k=", "v=w"}}));
}

TEST(ApiTarget, DotSegmentsAreNotResolved) {
  Parsed p = parse("/v1/services/../config");
  ASSERT_TRUE(p.ok);
  EXPECT_EQ(p.segments, (Segments{"v1", "services", "..", "config"}));
}

TEST(ApiTarget, RejectsATargetWithoutALeadingSlash) {
  EXPECT_FALSE(parse("").ok);
  EXPECT_FALSE(parse("v1/zones").ok);
  EXPECT_FALSE(parse("*").ok);
  EXPECT_FALSE(parse("http://localhost/v1/zones").ok);
  EXPECT_FALSE(parse("?a=1").ok);
}

TEST(ApiTarget, RejectsBadPercentEscapes) {
  EXPECT_FALSE(parse("/v1/a%zzb").ok);
  EXPECT_FALSE(parse("/v1/a%g1").ok);
  EXPECT_FALSE(parse("/v1/a%1g").ok);
  EXPECT_FALSE(parse("/x?a=%XY").ok);
  EXPECT_FALSE(parse("/x?%ZZ=1").ok);
}

TEST(ApiTarget, RejectsTruncatedPercentEscapes) {
  EXPECT_FALSE(parse("/v1/a%").ok);
  EXPECT_FALSE(parse("/v1/a%4").ok);
  EXPECT_FALSE(parse("/v1/a%4/b").ok);
  EXPECT_FALSE(parse("/x?a=%").ok);
  EXPECT_FALSE(parse("/x?a=%2").ok);
  // A complete escape at the very end is fine.
  Parsed p = parse("/v1/a%41");
  ASSERT_TRUE(p.ok);
  EXPECT_EQ(p.segments, (Segments{"v1", "aA"}));
}

TEST(ApiTarget, RejectsAnEncodedNul) {
  EXPECT_FALSE(parse("/v1/a%00b").ok);
  EXPECT_FALSE(parse("/x?a=%00").ok);
  EXPECT_FALSE(parse("/x?%00=1").ok);
}

TEST(ApiTarget, ClearsItsOutputsBeforeParsing) {
  Segments segments = {"stale"};
  Query query = {{"stale", "1"}};
  ASSERT_TRUE(parse_target("/a?b=2", segments, query));
  EXPECT_EQ(segments, (Segments{"a"}));
  EXPECT_EQ(query, (Query{{"b", "2"}}));
}

}  // namespace
}  // namespace gslb::api
