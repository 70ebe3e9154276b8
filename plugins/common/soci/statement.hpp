// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <cstdint>
#include <deque>
#include <string>

#include <soci/soci.h>

namespace authd::plugins::soci_common {

/// One SQL statement with positional parameters (`:a`, `:b`, ... in order of appearance)
/// and output columns bound to caller variables. Inputs are copied, so temporaries are fine.
/// NULL columns read as "" or 0, so callers never see SOCI indicators.
/// Throws soci::soci_error; only used inside Database::run, which catches.
class Stmt {
public:
    Stmt(::soci::session& sql, std::string text);
    ~Stmt();
    Stmt(const Stmt&) = delete;
    Stmt& operator=(const Stmt&) = delete;

    Stmt& use(std::string value);
    /// Binds NULL for an empty string (optional unique columns such as users.email).
    Stmt& useNullable(std::string value);
    Stmt& use(std::int64_t value);
    Stmt& use(bool value) { return use(static_cast<std::int64_t>(value ? 1 : 0)); }
    Stmt& use(int value) { return use(static_cast<std::int64_t>(value)); }
    Stmt& use(const char* value) { return use(std::string(value)); }

    Stmt& into(std::string& out);
    Stmt& into(std::int64_t& out);
    Stmt& into(bool& out);

    /// Runs it; true when a first row was fetched into the outputs.
    bool execute();
    /// The next row; false after the last.
    bool fetch();
    /// Rows changed by an INSERT, UPDATE or DELETE.
    std::int64_t affected();

private:
    struct TextOut {
        std::string* target;
        ::soci::indicator indicator = ::soci::i_ok;
    };
    struct IntOut {
        std::int64_t* target;
        bool* flag;
        long long value = 0;
        ::soci::indicator indicator = ::soci::i_ok;
    };
    void prepare();
    void copyOut();

    std::string text_;
    // The bound buffers are declared before the statement, so that they outlive it.
    std::deque<std::string> texts_;
    std::deque<long long> ints_;
    std::deque<::soci::indicator> indicators_;
    std::deque<TextOut> text_outs_;
    std::deque<IntOut> int_outs_;
    bool prepared_ = false;
    ::soci::statement st_;
};

}  // namespace authd::plugins::soci_common
