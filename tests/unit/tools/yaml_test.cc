// gslbctl -o yaml (tools/gslbctl/yaml.h): block style, key order kept, and strings quoted
// exactly when a YAML reader would otherwise read something else.
#include "tools/gslbctl/yaml.h"

#include <gtest/gtest.h>

namespace gslbctl {
namespace {

using json = nlohmann::ordered_json;

TEST(Yaml, NestedMappingsAndSequencesInBlockStyle) {
  const json j = json::parse(R"({"services":[{"name":"app.gslb.test","ttl":30,
    "members":[{"name":"tokyo","weight":1},{"name":"paris","weight":2}],"tags":[],"x":{}}],
    "count":1,"ok":true,"none":null,"ratio":0.5})");
  EXPECT_EQ(to_yaml(j),
            "---\n"
            "services:\n"
            "  - name: app.gslb.test\n"
            "    ttl: 30\n"
            "    members:\n"
            "      - name: tokyo\n"
            "        weight: 1\n"
            "      - name: paris\n"
            "        weight: 2\n"
            "    tags: []\n"
            "    x: {}\n"
            "count: 1\n"
            "ok: true\n"
            "none: null\n"
            "ratio: 0.5\n");
}

TEST(Yaml, StringsAReaderWouldMisreadAreQuoted) {
  const json j = json::parse(R"(["no","on","NULL","~","123","-1.5",".inf","1e3","12:30",
    "a: b","a #b","#x","- x","[x]","","  pad","x,y","line\nbreak","tab\t","é","plain-text_1",
    "2001:db8::1","192.0.2.1","/v1/x","http://h:80/p"])");
  EXPECT_EQ(to_yaml(j),
            "---\n"
            "- \"no\"\n- \"on\"\n- \"NULL\"\n- \"~\"\n- \"123\"\n- \"-1.5\"\n- \".inf\"\n"
            "- \"1e3\"\n- \"12:30\"\n- \"a: b\"\n- \"a #b\"\n- \"#x\"\n- \"- x\"\n- \"[x]\"\n"
            "- \"\"\n- \"  pad\"\n- \"x,y\"\n- \"line\\nbreak\"\n- \"tab\\t\"\n- \"é\"\n"
            "- plain-text_1\n- \"2001:db8::1\"\n- \"192.0.2.1\"\n- /v1/x\n- http://h:80/p\n");
}

TEST(Yaml, ScalarsAndEmptyDocuments) {
  EXPECT_EQ(to_yaml(json::parse("{}")), "---\n{}\n");
  EXPECT_EQ(to_yaml(json::parse("[[1,2],[]]")), "---\n-\n  - 1\n  - 2\n- []\n");
  EXPECT_EQ(to_yaml(json::parse(R"({"weird key: x":1})")), "---\n\"weird key: x\": 1\n");
}

}  // namespace
}  // namespace gslbctl
