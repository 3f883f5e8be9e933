#include "server/dnstap/dnstap_message.h"

#include "server/dnstap/dnstap.pb-c.h"

namespace gslb {
namespace {

// protobuf-c takes non-const pointers for what it only reads when packing.
ProtobufCBinaryData bytes(const void* data, size_t len) {
  return {len, static_cast<uint8_t*>(const_cast<void*>(data))};
}

}  // namespace

void encode_dnstap(const DnstapRecord& r, const DnstapIdentity& id, const std::string& extra,
                   std::vector<uint8_t>& out) {
  Dnstap__Message m;
  dnstap__message__init(&m);
  m.type = DNSTAP__MESSAGE__TYPE__AUTH_RESPONSE;
  m.has_socket_family = 1;
  m.socket_family = r.family == 6 ? DNSTAP__SOCKET_FAMILY__INET6 : DNSTAP__SOCKET_FAMILY__INET;
  m.has_socket_protocol = 1;
  m.socket_protocol = r.tcp ? DNSTAP__SOCKET_PROTOCOL__TCP : DNSTAP__SOCKET_PROTOCOL__UDP;
  const size_t alen = r.family == 6 ? 16 : 4;
  m.has_query_address = 1;
  m.query_address = bytes(r.client_address, alen);
  m.has_query_port = 1;
  m.query_port = r.client_port;
  m.has_response_address = 1;
  m.response_address = bytes(r.server_address, alen);
  m.has_response_port = 1;
  m.response_port = r.server_port;
  m.has_query_time_sec = m.has_query_time_nsec = 1;
  m.query_time_sec = r.query_sec;
  m.query_time_nsec = r.query_nsec;
  m.has_response_time_sec = m.has_response_time_nsec = 1;
  m.response_time_sec = r.response_sec;
  m.response_time_nsec = r.response_nsec;
  if (r.query_len > 0) {
    m.has_query_message = 1;
    m.query_message = bytes(r.query, r.query_len);
  }
  if (r.response_len > 0) {
    m.has_response_message = 1;
    m.response_message = bytes(r.response, r.response_len);
  }

  Dnstap__Dnstap d;
  dnstap__dnstap__init(&d);
  d.type = DNSTAP__DNSTAP__TYPE__MESSAGE;
  d.message = &m;
  if (!id.identity.empty()) {
    d.has_identity = 1;
    d.identity = bytes(id.identity.data(), id.identity.size());
  }
  if (!id.version.empty()) {
    d.has_version = 1;
    d.version = bytes(id.version.data(), id.version.size());
  }
  if (!extra.empty()) {
    d.has_extra = 1;
    d.extra = bytes(extra.data(), extra.size());
  }
  out.resize(dnstap__dnstap__get_packed_size(&d));
  dnstap__dnstap__pack(&d, out.data());
}

}  // namespace gslb
