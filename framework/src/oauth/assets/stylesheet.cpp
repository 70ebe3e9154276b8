// SPDX-License-Identifier: Apache-2.0
// The stylesheet and icon of the sign-in, consent, logout and error pages, embedded in the
// binary so that authd serves them without a file on disk. The sheet styles the layout
// (pages.cpp) and the classes the authenticator plugins use (login-form, field, alert, actions,
// button, primary). Colours meet WCAG 2.1 AA contrast (text >= 4.5:1, controls >= 3:1); focus
// is always visible; the card fits a 320px-wide screen.
#include "oauth/pages.hpp"

namespace authd::oauth {
namespace {

constexpr std::string_view kStylesheet = R"css(*, *::before, *::after { box-sizing: border-box; }
html { -webkit-text-size-adjust: 100%; text-size-adjust: 100%; }
body {
  margin: 0;
  min-height: 100vh;
  font-family: system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif;
  font-size: 1rem;
  line-height: 1.5;
  color: #1a1d21;
  background: #f1f3f6;
}
.site-header {
  padding: 0.75rem 1.25rem;
  background: #ffffff;
  border-bottom: 1px solid #d0d5dd;
}
.brand { font-weight: 700; font-size: 1.125rem; color: #1a1d21; letter-spacing: 0.01em; }
main.card {
  max-width: 27rem;
  margin: 2rem auto;
  padding: 1.75rem 1.5rem;
  background: #ffffff;
  border: 1px solid #d0d5dd;
  border-radius: 0.5rem;
}
h1 { font-size: 1.375rem; line-height: 1.3; margin: 0 0 1rem; }
h2 { font-size: 1.0625rem; margin: 1.25rem 0 0.5rem; }
p { margin: 0 0 1rem; }
.muted { color: #4a5363; }
.project { font-weight: 600; }
a { color: #1746c2; text-decoration: underline; text-underline-offset: 0.15em; }
a:hover { color: #0f318a; }
.login-form { margin: 0; }
.field { margin: 0 0 1rem; }
.field label { display: block; margin: 0 0 0.25rem; font-weight: 600; }
.field input,
.field select {
  display: block;
  width: 100%;
  min-height: 2.75rem;
  padding: 0.5rem 0.75rem;
  font: inherit;
  font-size: 1rem;
  color: #1a1d21;
  background: #ffffff;
  border: 1px solid #687385;
  border-radius: 0.375rem;
}
.field input:hover { border-color: #3d4654; }
.alert {
  margin: 0 0 1rem;
  padding: 0.75rem 1rem;
  color: #7a1414;
  background: #fdf1f1;
  border: 1px solid #e3a1a1;
  border-left: 4px solid #b42318;
  border-radius: 0.375rem;
}
.notice {
  margin: 0 0 1rem;
  padding: 0.75rem 1rem;
  background: #eef4ff;
  border: 1px solid #a9c1f5;
  border-radius: 0.375rem;
}
.actions { display: flex; flex-wrap: wrap; gap: 0.75rem; margin: 1.25rem 0 0; }
.button {
  display: inline-flex;
  align-items: center;
  justify-content: center;
  min-height: 2.75rem;
  padding: 0.5rem 1.125rem;
  font: inherit;
  font-weight: 600;
  line-height: 1.25;
  text-align: center;
  text-decoration: none;
  color: #1746c2;
  background: #ffffff;
  border: 1px solid #1746c2;
  border-radius: 0.375rem;
  cursor: pointer;
}
.button:hover { background: #eef3ff; color: #0f318a; }
.button.primary { color: #ffffff; background: #1746c2; border-color: #1746c2; }
.button.primary:hover { background: #0f318a; border-color: #0f318a; color: #ffffff; }
.actions .button { flex: 1 1 8rem; }
.methods { list-style: none; margin: 0; padding: 0; }
.methods li { margin: 0 0 0.75rem; }
.methods .button { display: flex; width: 100%; }
.scopes { margin: 0 0 1rem; padding-left: 1.25rem; }
.scopes li { margin: 0 0 0.375rem; }
.other-methods { margin: 1.25rem 0 0; }
a:focus-visible,
button:focus-visible,
input:focus-visible,
select:focus-visible,
.button:focus-visible {
  outline: 3px solid #1746c2;
  outline-offset: 2px;
}
input:focus { border-color: #1746c2; }
.site-footer { max-width: 27rem; margin: 0 auto 2rem; padding: 0 1.5rem; font-size: 0.875rem; color: #4a5363; }
@media (max-width: 480px) {
  main.card { margin: 0; border-left: 0; border-right: 0; border-radius: 0; padding: 1.25rem 1rem; }
  .site-header { padding: 0.75rem 1rem; }
  .site-footer { padding: 0 1rem; margin-top: 1rem; }
}
@media (forced-colors: active) {
  .button, .field input { border: 1px solid ButtonText; }
}
)css";

// A white padlock on the brand blue.
constexpr std::string_view kIcon =
    R"svg(<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32">)svg"
    R"svg(<rect width="32" height="32" rx="7" fill="#1746c2"/>)svg"
    R"svg(<path fill="#fff" d="M16 6a6 6 0 0 0-6 6v3H8.5v11h15V15H22v-3a6 6 0 0 0-6-6zm-3.5 9v-3)svg"
    R"svg(a3.5 3.5 0 0 1 7 0v3z"/></svg>)svg";

}  // namespace

std::string_view stylesheet() noexcept {
    return kStylesheet;
}

std::string_view iconSvg() noexcept {
    return kIcon;
}

}  // namespace authd::oauth
