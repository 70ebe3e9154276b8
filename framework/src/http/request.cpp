// SPDX-License-Identifier: Apache-2.0
#include "http/request.hpp"

#include <cctype>

namespace authd::http {

std::string Request::mediaType() const {
    const std::string* content_type = headers.find("Content-Type");
    if (content_type == nullptr) {
        return {};
    }
    std::string type = content_type->substr(0, content_type->find(';'));
    while (!type.empty() && (type.back() == ' ' || type.back() == '\t')) {
        type.pop_back();
    }
    std::size_t first = type.find_first_not_of(" \t");
    type = first == std::string::npos ? std::string() : type.substr(first);
    for (char& c : type) {
        c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    }
    return type;
}

sdk::RequestView Request::view() const {
    sdk::RequestView view;
    view.method = method;
    view.path = path;
    view.client_address = client_address;
    view.user_agent = headers.get("User-Agent");
    view.secure = secure;
    view.query = query;
    return view;
}

} // namespace authd::http
