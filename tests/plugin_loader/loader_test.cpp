// SPDX-License-Identifier: Apache-2.0
#define BOOST_TEST_MODULE plugin_loader
#include <boost/test/unit_test.hpp>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <string>
#include <thread>
#include <vector>

#include "plugin/boundary_guard.hpp"
#include "plugin/plugin_loader.hpp"
#include "plugin_loader/loader_test_support.hpp"
#include "plugin_loader/test_host.hpp"

namespace {

using authd::plugin::loadPlugin;
using authd::sdk::ErrorCode;
using authd::sdk::PluginKind;
using authd::test::fixtureDir;
using authd::test::fixturePath;
using authd::test::TempDir;

struct Failure {
    authd::sdk::Error error;
    std::string event;
};

Failure expectFailure(const std::string& name, PluginKind kind,
                      const std::vector<std::string>& paths = {fixtureDir()}) {
    std::string event;
    auto loaded = loadPlugin(name, kind, paths, &event);
    BOOST_REQUIRE_MESSAGE(!loaded, "loading " << name << " should have failed");
    BOOST_TEST_MESSAGE(name << ": [" << event << "] " << loaded.error().message);
    return {loaded.error(), event};
}

bool contains(const std::string& haystack, const std::string& needle) {
    return haystack.find(needle) != std::string::npos;
}

#define CHECK_MENTIONS(text, needle)                                                               \
    BOOST_CHECK_MESSAGE(contains((text), (needle)),                                                \
                        "expected \"" << (needle) << "\" in: " << (text))

bool isMapped(const std::filesystem::path& file) {
    std::ifstream maps("/proc/self/maps");
    const std::string all((std::istreambuf_iterator<char>(maps)), std::istreambuf_iterator<char>());
    return contains(all, file.filename().string());
}

}  // namespace

BOOST_AUTO_TEST_SUITE(plugin_loader)

BOOST_AUTO_TEST_CASE(loads_good_mailer_and_its_instance_sends) {
    auto loaded = loadPlugin("good_mailer", PluginKind::mailer, {fixtureDir()});
    BOOST_REQUIRE_MESSAGE(loaded, (loaded ? "" : loaded.error().message));
    BOOST_TEST(loaded->path == fixturePath("good_mailer"));
    BOOST_REQUIRE(loaded->manifest != nullptr);
    BOOST_REQUIRE(loaded->library != nullptr);
    BOOST_TEST(loaded->library->is_loaded());
    const auto& manifest = *loaded->manifest;
    BOOST_TEST(std::string(manifest.name) == "good_mailer");
    BOOST_TEST(std::string(manifest.version) == "1.0.0");
    BOOST_TEST(manifest.abi_version == AUTHD_SDK_ABI_VERSION);
    BOOST_TEST(std::string(manifest.toolchain) == AUTHD_SDK_TOOLCHAIN);
    BOOST_TEST(static_cast<int>(manifest.kind) == static_cast<int>(PluginKind::mailer));

    authd::sdk::ConfigSchema schema;
    manifest.describe_config(schema);
    BOOST_REQUIRE_EQUAL(schema.keys().size(), 3U);
    BOOST_TEST(schema.keys()[0].name == "label");
    BOOST_TEST(schema.keys()[0].required);

    authd::test::MinimalHost host;
    authd::test::StringConfigNode config(
        {{"label", "fixture-1"}, {"reject_domain", "@blocked.test"}}, {{"limit", "100"}});
    authd::sdk::InstanceSpec spec{"mail", &config};
    auto mailer = manifest.make_mailer(spec, host);
    BOOST_REQUIRE(mailer);
    BOOST_REQUIRE(*mailer != nullptr);

    authd::sdk::MailMessage message;
    message.to = "ada@example.test";
    message.subject = "Your sign-in link";
    BOOST_TEST((*mailer)->send(message).has_value());
    const auto sent = host.recorder().withEvent("fixture.mail_sent");
    BOOST_REQUIRE_EQUAL(sent.size(), 1U);
    BOOST_TEST(sent[0].message == "Your sign-in link");
    BOOST_TEST(sent[0].field("to") == "ada@example.test");
    BOOST_TEST(sent[0].field("label") == "fixture-1");

    message.to = "eve@blocked.test";
    auto refused = (*mailer)->send(message);
    BOOST_REQUIRE(!refused);
    BOOST_TEST(static_cast<int>(refused.error().code) == static_cast<int>(ErrorCode::denied));
}

BOOST_AUTO_TEST_CASE(first_search_path_wins) {
    TempDir empty;
    TempDir copy;
    std::filesystem::copy_file(fixturePath("good_mailer"), copy.path() / "authd_good_mailer.so");

    auto from_fixtures =
        loadPlugin("good_mailer", PluginKind::mailer, {empty.path().string(), fixtureDir()});
    BOOST_REQUIRE(from_fixtures);
    BOOST_TEST(from_fixtures->path == fixturePath("good_mailer"));

    auto from_copy =
        loadPlugin("good_mailer", PluginKind::mailer, {copy.path().string(), fixtureDir()});
    BOOST_REQUIRE(from_copy);
    BOOST_TEST(from_copy->path == copy.path() / "authd_good_mailer.so");
}

BOOST_AUTO_TEST_CASE(missing_plugin_lists_every_path_searched) {
    TempDir empty;
    auto failure =
        expectFailure("absent", PluginKind::mailer, {empty.path().string(), fixtureDir()});
    BOOST_TEST(failure.event == "plugin.not_found");
    BOOST_TEST(static_cast<int>(failure.error.code) == static_cast<int>(ErrorCode::not_found));
    const std::string& text = failure.error.message;
    CHECK_MENTIONS(text, "authd_absent.so");
    CHECK_MENTIONS(text, (empty.path() / "authd_absent.so").string());
    CHECK_MENTIONS(text, fixtureDir() + "/authd_absent.so");
    CHECK_MENTIONS(text, "check plugins.paths or build the plugin");
}

BOOST_AUTO_TEST_CASE(empty_search_paths_are_reported) {
    auto failure = expectFailure("good_mailer", PluginKind::mailer, {});
    BOOST_TEST(failure.event == "plugin.not_found");
    CHECK_MENTIONS(failure.error.message, "plugins.paths is empty");
    CHECK_MENTIONS(failure.error.message, "authd_good_mailer.so");
}

BOOST_AUTO_TEST_CASE(refuses_invalid_plugin_names) {
    for (const std::string name : {"", "Good_mailer", "../plugin_fixtures/good_mailer",
                                   "good-mailer", "good_mailer.so", "good mailer", "/tmp/x"}) {
        auto failure = expectFailure(name, PluginKind::mailer);
        BOOST_TEST(failure.event == "plugin.invalid_name");
        BOOST_TEST(static_cast<int>(failure.error.code) ==
                   static_cast<int>(ErrorCode::invalid_config));
        CHECK_MENTIONS(failure.error.message, "\"" + name + "\" is invalid");
        CHECK_MENTIONS(failure.error.message, "lower-case letters, digits and underscores");
    }
}

BOOST_AUTO_TEST_CASE(refuses_text_file_named_like_a_plugin) {
    auto failure = expectFailure("not_a_library", PluginKind::mailer);
    BOOST_TEST(failure.event == "plugin.not_a_plugin");
    CHECK_MENTIONS(failure.error.message,
                   fixturePath("not_a_library").string() + " is not an authd plugin");
    CHECK_MENTIONS(failure.error.message, "not an ELF shared library");
    CHECK_MENTIONS(failure.error.message, "plugins.paths");
}

BOOST_AUTO_TEST_CASE(refuses_library_without_manifest_before_running_it) {
    auto failure = expectFailure("no_manifest", PluginKind::mailer);
    BOOST_TEST(failure.event == "plugin.not_a_plugin");
    CHECK_MENTIONS(failure.error.message, fixturePath("no_manifest").string() +
                                              " is not an authd plugin (no authd_plugin_manifest "
                                              "in section authd");
    CHECK_MENTIONS(failure.error.message, "AUTHD_PLUGIN_ENTRY");
    // Step 2 reads bytes only: the library was never mapped, so none of its code ran.
    BOOST_TEST(!isMapped(fixturePath("no_manifest")));
}

BOOST_AUTO_TEST_CASE(refuses_manifest_outside_authd_section) {
    auto failure = expectFailure("wrong_section", PluginKind::mailer);
    BOOST_TEST(failure.event == "plugin.not_a_plugin");
    CHECK_MENTIONS(failure.error.message, "no authd_plugin_manifest in section authd");
    CHECK_MENTIONS(failure.error.message, "section boostdll");
    CHECK_MENTIONS(failure.error.message, "AUTHD_PLUGIN_ENTRY");
    BOOST_TEST(!isMapped(fixturePath("wrong_section")));
}

BOOST_AUTO_TEST_CASE(refuses_object_file) {
    auto failure = expectFailure("object_file", PluginKind::mailer);
    BOOST_TEST(failure.event == "plugin.not_a_plugin");
    CHECK_MENTIONS(failure.error.message, fixturePath("object_file").string());
    CHECK_MENTIONS(failure.error.message, "an object file (.o), not a shared library");
    CHECK_MENTIONS(failure.error.message, "authd_add_plugin()");
}

BOOST_AUTO_TEST_CASE(refuses_directory_named_like_a_plugin) {
    TempDir dir;
    std::filesystem::create_directory(dir.path() / "authd_folder.so");
    auto failure = expectFailure("folder", PluginKind::mailer, {dir.path().string()});
    BOOST_TEST(failure.event == "plugin.not_a_plugin");
    CHECK_MENTIONS(failure.error.message, (dir.path() / "authd_folder.so").string());
    CHECK_MENTIONS(failure.error.message, "not a regular file");
}

BOOST_AUTO_TEST_CASE(refuses_truncated_library) {
    TempDir dir;
    const auto bytes = authd::test::readBytes(fixturePath("good_mailer"));
    for (const std::size_t size :
         {std::size_t{2}, std::size_t{40}, std::size_t{2000}, bytes.size() / 2}) {
        const auto file = dir.path() / "authd_truncated.so";
        authd::test::writeBytes(file,
                                {bytes.begin(), bytes.begin() + static_cast<std::ptrdiff_t>(size)});
        auto failure = expectFailure("truncated", PluginKind::mailer, {dir.path().string()});
        CHECK_MENTIONS(failure.error.message, file.string());
        if (size < 4) {
            BOOST_TEST(failure.event == "plugin.not_a_plugin");
            CHECK_MENTIONS(failure.error.message, "not an ELF shared library");
        } else {
            BOOST_TEST(failure.event == "plugin.damaged");
            CHECK_MENTIONS(failure.error.message, "is a damaged ELF file");
            CHECK_MENTIONS(failure.error.message, "rebuild or reinstall it");
        }
    }
}

BOOST_AUTO_TEST_CASE(refuses_library_for_another_architecture) {
    TempDir dir;
    auto bytes = authd::test::readBytes(fixturePath("good_mailer"));
    auto other_machine = bytes;
    other_machine[18] = static_cast<char>(0xB7);  // e_machine = EM_AARCH64 (183) / unknown pair
    other_machine[19] = 0;
    if (other_machine == bytes) {
        other_machine[18] = 62;  // this host is aarch64: claim x86-64 instead
    }
    authd::test::writeBytes(dir.path() / "authd_foreign.so", other_machine);
    auto failure = expectFailure("foreign", PluginKind::mailer, {dir.path().string()});
    BOOST_TEST(failure.event == "plugin.wrong_architecture");
    CHECK_MENTIONS(failure.error.message, "was built for another architecture (ELF machine");
    CHECK_MENTIONS(failure.error.message, "rebuild it on or for this machine");

    auto other_class = bytes;
    other_class[4] = sizeof(void*) == 8 ? 1 : 2;  // EI_CLASS
    authd::test::writeBytes(dir.path() / "authd_foreign.so", other_class);
    failure = expectFailure("foreign", PluginKind::mailer, {dir.path().string()});
    BOOST_TEST(failure.event == "plugin.wrong_architecture");
    CHECK_MENTIONS(failure.error.message, sizeof(void*) == 8 ? "32-bit ELF" : "64-bit ELF");
}

BOOST_AUTO_TEST_CASE(reports_dlerror_for_undefined_symbol) {
    auto failure = expectFailure("missing_symbol", PluginKind::mailer);
    BOOST_TEST(failure.event == "plugin.load_failed");
    CHECK_MENTIONS(failure.error.message,
                   "cannot load plugin " + fixturePath("missing_symbol").string());
    CHECK_MENTIONS(failure.error.message,
                   "undefined symbol: authd_fixture_function_nobody_defines");
    CHECK_MENTIONS(failure.error.message, "install the libraries it needs or rebuild it");
}

BOOST_AUTO_TEST_CASE(catches_throwing_manifest_function) {
    auto failure = expectFailure("manifest_throws", PluginKind::mailer);
    BOOST_TEST(failure.event == "plugin.manifest_failed");
    BOOST_TEST(static_cast<int>(failure.error.code) == static_cast<int>(ErrorCode::internal));
    CHECK_MENTIONS(failure.error.message,
                   fixturePath("manifest_throws").string() + " threw from its manifest function");
    CHECK_MENTIONS(failure.error.message, "fixture manifest exploded");
    CHECK_MENTIONS(failure.error.message, "never throws");
}

BOOST_AUTO_TEST_CASE(refuses_null_manifest) {
    auto failure = expectFailure("null_manifest", PluginKind::mailer);
    BOOST_TEST(failure.event == "plugin.manifest_failed");
    CHECK_MENTIONS(failure.error.message,
                   fixturePath("null_manifest").string() + " returned a null manifest");
}

BOOST_AUTO_TEST_CASE(refuses_other_abi_with_both_versions_and_fix) {
    auto failure = expectFailure("wrong_abi", PluginKind::mailer);
    BOOST_TEST(failure.event == "plugin.abi_mismatch");
    const std::string expected =
        "plugin " + fixturePath("wrong_abi").string() + " was built for authd SDK ABI " +
        std::to_string(AUTHD_SDK_ABI_VERSION + 1) + "; this authd uses ABI " +
        std::to_string(AUTHD_SDK_ABI_VERSION) +
        ". Rebuild the plugin against the installed SDK (find_package(authd ";
    CHECK_MENTIONS(failure.error.message, expected);
    CHECK_MENTIONS(failure.error.message, ")).");
}

BOOST_AUTO_TEST_CASE(checks_abi_before_toolchain_kind_and_name) {
    // wrong_abi is a mailer; asking for an authenticator must still report the ABI first.
    auto failure = expectFailure("wrong_abi", PluginKind::authenticator);
    BOOST_TEST(failure.event == "plugin.abi_mismatch");
    // wrong_toolchain is a mailer too: the toolchain comes before the kind.
    failure = expectFailure("wrong_toolchain", PluginKind::storage);
    BOOST_TEST(failure.event == "plugin.toolchain_mismatch");
    // name_mismatch is a mailer: the kind comes before the name.
    failure = expectFailure("name_mismatch", PluginKind::storage);
    BOOST_TEST(failure.event == "plugin.kind_mismatch");
}

BOOST_AUTO_TEST_CASE(refuses_other_toolchain) {
    auto failure = expectFailure("wrong_toolchain", PluginKind::mailer);
    BOOST_TEST(failure.event == "plugin.toolchain_mismatch");
    CHECK_MENTIONS(failure.error.message, "plugin " + fixturePath("wrong_toolchain").string() +
                                              " was built with toolchain \"gcc-99/other-stdlib\"");
    CHECK_MENTIONS(failure.error.message, std::string("\"") + AUTHD_SDK_TOOLCHAIN + "\"");
    CHECK_MENTIONS(failure.error.message, "same compiler major version and standard library");
}

BOOST_AUTO_TEST_CASE(refuses_plugin_of_another_kind) {
    auto failure = expectFailure("wrong_kind", PluginKind::mailer);
    BOOST_TEST(failure.event == "plugin.kind_mismatch");
    CHECK_MENTIONS(failure.error.message, "plugin " + fixturePath("wrong_kind").string() +
                                              " is an authenticator plugin, but the config uses "
                                              "it as a mailer plugin");
    failure = expectFailure("good_mailer", PluginKind::storage);
    CHECK_MENTIONS(failure.error.message,
                   "is a mailer plugin, but the config uses it as a storage plugin");
    // The same library is fine in the slot of its own kind.
    BOOST_TEST(loadPlugin("wrong_kind", PluginKind::authenticator, {fixtureDir()}).has_value());
}

BOOST_AUTO_TEST_CASE(refuses_manifest_name_that_differs_from_file) {
    auto failure = expectFailure("name_mismatch", PluginKind::mailer);
    BOOST_TEST(failure.event == "plugin.name_mismatch");
    CHECK_MENTIONS(failure.error.message, "plugin " + fixturePath("name_mismatch").string() +
                                              " declares the name \"other_name\" but its file is "
                                              "authd_name_mismatch.so");
    CHECK_MENTIONS(failure.error.message, "rename the file to authd_other_name.so");
}

BOOST_AUTO_TEST_CASE(refuses_null_factory) {
    auto failure = expectFailure("null_factory", PluginKind::mailer);
    BOOST_TEST(failure.event == "plugin.bad_manifest");
    CHECK_MENTIONS(failure.error.message, fixturePath("null_factory").string());
    CHECK_MENTIONS(failure.error.message, "make_mailer is null");
}

BOOST_AUTO_TEST_CASE(refuses_missing_describe_config) {
    auto failure = expectFailure("no_describe", PluginKind::mailer);
    BOOST_TEST(failure.event == "plugin.bad_manifest");
    CHECK_MENTIONS(failure.error.message,
                   fixturePath("no_describe").string() + " has no describe_config");
}

BOOST_AUTO_TEST_CASE(loads_a_stripped_plugin) {
    // Installed plugins are usually stripped (no .symtab); the manifest lives in .dynsym.
    TempDir dir;
    const auto stripped = dir.path() / "authd_good_mailer.so";
    const std::string command = "strip --strip-all -o '" + stripped.string() + "' '" +
                                fixturePath("good_mailer").string() + "'";
    BOOST_REQUIRE_EQUAL(std::system(command.c_str()), 0);
    auto loaded = loadPlugin("good_mailer", PluginKind::mailer, {dir.path().string()});
    BOOST_REQUIRE_MESSAGE(loaded, (loaded ? "" : loaded.error().message));
    BOOST_TEST(std::string(loaded->manifest->name) == "good_mailer");
}

BOOST_AUTO_TEST_CASE(concurrent_loads_of_one_plugin_all_succeed) {
    std::vector<std::thread> threads;
    std::vector<int> ok(8, 0);
    for (std::size_t i = 0; i < ok.size(); ++i) {
        threads.emplace_back([&ok, i] {
            auto loaded = loadPlugin("good_mailer", PluginKind::mailer, {fixtureDir()});
            ok[i] = loaded && loaded->manifest != nullptr ? 1 : 0;
        });
    }
    for (auto& thread : threads) {
        thread.join();
    }
    for (const int result : ok) {
        BOOST_TEST(result == 1);
    }
}

BOOST_AUTO_TEST_CASE(boundary_guard_turns_a_factory_exception_into_an_internal_error) {
    auto loaded = loadPlugin("factory_throws", PluginKind::mailer, {fixtureDir()});
    BOOST_REQUIRE(loaded);
    authd::test::MinimalHost host;
    authd::test::StringConfigNode config(std::map<std::string, std::string>{{"label", "x"}});
    authd::sdk::InstanceSpec spec{"mail", &config};
    // The host calls factories through a pointer without noexcept, so the guard can catch.
    authd::sdk::Result<authd::sdk::MailerPtr> (*factory)(
        const authd::sdk::InstanceSpec&, authd::sdk::HostContext&) = loaded->manifest->make_mailer;
    auto result = authd::plugin::guardPluginCall("factory_throws", "make_mailer", host.logger(),
                                                 [&] { return factory(spec, host); });
    BOOST_REQUIRE(!result);
    BOOST_TEST(static_cast<int>(result.error().code) == static_cast<int>(ErrorCode::internal));
    CHECK_MENTIONS(result.error().message, "plugin factory_throws threw from make_mailer");
    CHECK_MENTIONS(result.error().message, "fixture factory exploded");
    const auto logged = host.recorder().withEvent("plugin.exception");
    BOOST_REQUIRE_EQUAL(logged.size(), 1U);
    BOOST_TEST(logged[0].field("plugin") == "factory_throws");
    BOOST_TEST(logged[0].field("operation") == "make_mailer");
    BOOST_TEST(logged[0].field("exception") == "fixture factory exploded");
}

BOOST_AUTO_TEST_CASE(boundary_guard_passes_values_and_errors_through) {
    authd::test::MinimalHost host;
    auto value = authd::plugin::guardPluginCall("p", "op", host.logger(),
                                                [] { return authd::sdk::Result<int>(7); });
    BOOST_REQUIRE(value);
    BOOST_TEST(*value == 7);
    auto error = authd::plugin::guardPluginCall("p", "op", host.logger(), [] {
        return authd::sdk::Result<void>(authd::sdk::makeError(ErrorCode::denied, "no"));
    });
    BOOST_REQUIRE(!error);
    BOOST_TEST(error.error().message == "no");
    auto odd = authd::plugin::guardPluginCall("p", "op", host.logger(),
                                              []() -> authd::sdk::Result<void> { throw 42; });
    BOOST_REQUIRE(!odd);
    CHECK_MENTIONS(odd.error().message, "not a std::exception");
    BOOST_TEST(host.recorder().withEvent("plugin.exception").size() == 1U);
}

BOOST_AUTO_TEST_SUITE_END()
