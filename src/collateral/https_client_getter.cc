#include "collateral/https_client_getter.h"

#include "client/endpoint_url.h"
#include "client/http_transport.h"

namespace attest::collateral {

StatusOr<HttpsResponse> HttpsClientGetter::Get(const std::string& url) {
  if (!url.starts_with("https://") && !url.starts_with("http://")) {
    return Err(Status::InvalidArgument("INVALID_ENDPOINT", "collateral URL must be https"));
  }
  size_t path = url.find_first_of("/?", url.find("://") + 3);
  std::string base = path == std::string::npos ? url : url.substr(0, path);
  std::string target = path == std::string::npos ? "/" : url.substr(path);
  if (target.front() == '?') {
    target.insert(0, "/");
  }
  ATTEST_ASSIGN_OR_RETURN(client::EndpointUrl endpoint, client::ParseEndpointUrl(base));
  client::TransportOptions options;
  options.extra_ca_file = options_.extra_ca_file;
  options.connect_timeout = options_.timeout;
  options.request_timeout = options_.timeout;
  options.max_response_bytes = options_.max_response_bytes;
  ATTEST_ASSIGN_OR_RETURN(auto transport, client::HttpTransport::Create(endpoint, options));
  client::HttpRequest request;
  request.target = target;
  request.accept = "*/*";
  ATTEST_ASSIGN_OR_RETURN(client::HttpResponse r, transport->Send(request));
  HttpsResponse out;
  out.status = static_cast<int>(r.status);
  out.headers = std::move(r.headers);
  out.body.assign(r.body.begin(), r.body.end());
  return out;
}

}  // namespace attest::collateral
