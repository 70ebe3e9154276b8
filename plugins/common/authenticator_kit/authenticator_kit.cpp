// SPDX-License-Identifier: Apache-2.0
#include "authenticator_kit.hpp"

#include <algorithm>
#include <cstdio>

namespace authd::plugins::kit {
namespace {

bool isAsciiSpace(char c) {
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

}  // namespace

std::string_view trim(std::string_view text) {
    while (!text.empty() && isAsciiSpace(text.front())) {
        text.remove_prefix(1);
    }
    while (!text.empty() && isAsciiSpace(text.back())) {
        text.remove_suffix(1);
    }
    return text;
}

std::string normalizeEmail(std::string_view text) {
    std::string out(trim(text));
    std::transform(out.begin(), out.end(), out.begin(), [](char c) {
        return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
    });
    return out;
}

void appendJsonString(std::string& out, std::string_view text) {
    out += '"';
    for (char c : text) {
        switch (c) {
        case '"': out += "\\\""; break;
        case '\\': out += "\\\\"; break;
        case '\n': out += "\\n"; break;
        case '\r': out += "\\r"; break;
        case '\t': out += "\\t"; break;
        default:
            if (static_cast<unsigned char>(c) < 0x20U) {
                char buffer[8];
                std::snprintf(buffer, sizeof buffer, "\\u%04x", static_cast<unsigned>(c));
                out += buffer;
            } else {
                out += c;
            }
        }
    }
    out += '"';
}

std::string jsonString(std::string_view text) {
    std::string out;
    appendJsonString(out, text);
    return out;
}

std::string jsonObject(const std::vector<std::pair<std::string, std::string>>& members) {
    std::string out = "{";
    for (const auto& [name, encoded] : members) {
        if (out.size() > 1) {
            out += ",";
        }
        appendJsonString(out, name);
        out += ":" + encoded;
    }
    return out + "}";
}

std::string loginFormStart(const sdk::LoginStep& step, std::string_view css_class) {
    std::string html;
    html.reserve(256 + step.hidden_fields_html.size());
    html += "<form class=\"";
    html += css_class;
    html += "\" method=\"post\" action=\"" +
            sdk::escapeHtml(step.action_url) + "\">\n";
    html += step.hidden_fields_html;
    html += "\n";
    if (!step.error.empty()) {
        html += "<p class=\"alert\" role=\"alert\">" + sdk::escapeHtml(step.error) + "</p>\n";
    }
    return html;
}

std::string loginFormEnd(std::string_view button_label) {
    return "<div class=\"actions\">\n<button type=\"submit\" class=\"button primary\">" +
           sdk::escapeHtml(button_label) + "</button>\n</div>\n</form>\n";
}

std::string emailField(const std::string& id_prefix, std::string_view autocomplete,
                       std::string_view value, bool autofocus) {
    std::string html = "<div class=\"field\">\n";
    html += "<label for=\"" + id_prefix + "-email\">Email</label>\n";
    html += "<input id=\"" + id_prefix + "-email\" name=\"email\" type=\"email\" autocomplete=\"" +
            std::string(autocomplete) + "\" autocapitalize=\"none\" spellcheck=\"false\" required";
    if (autofocus) {
        html += " autofocus";
    }
    if (!value.empty()) {
        html += " value=\"" + sdk::escapeHtml(value) + "\"";
    }
    html += ">\n</div>\n";
    return html;
}

sdk::Page signInPage(std::string body_html, std::string title) {
    sdk::Page page;
    page.title = std::move(title);
    page.body_html = std::move(body_html);
    return page;
}

std::string emailThrottleKey(const std::string& instance_id, std::string_view scope,
                             sdk::Crypto& crypto, const std::string& normalized_email) {
    std::string key = instance_id;
    key += ':';
    key += scope;
    key += ':';
    return key + crypto.sha256Hex(normalized_email);
}

std::string accountThrottleKey(const std::string& instance_id, sdk::Crypto& crypto,
                               const std::string& normalized_email) {
    return emailThrottleKey(instance_id, "acct", crypto, normalized_email);
}

std::string addressThrottleKey(const std::string& instance_id, const std::string& client_address) {
    return instance_id + ":addr:" + (client_address.empty() ? "unknown" : client_address);
}

}  // namespace authd::plugins::kit
