// SPDX-License-Identifier: Apache-2.0
#include "statement.hpp"

#include <utility>

namespace authd::plugins::soci_common {

Stmt::Stmt(::soci::session& sql, std::string text) : text_(std::move(text)), st_(sql) {}

Stmt::~Stmt() = default;

Stmt& Stmt::use(std::string value) {
    texts_.push_back(std::move(value));
    st_.exchange(::soci::use(texts_.back()));
    return *this;
}

Stmt& Stmt::useNullable(std::string value) {
    indicators_.push_back(value.empty() ? ::soci::i_null : ::soci::i_ok);
    texts_.push_back(std::move(value));
    st_.exchange(::soci::use(texts_.back(), indicators_.back()));
    return *this;
}

Stmt& Stmt::use(std::int64_t value) {
    ints_.push_back(static_cast<long long>(value));
    st_.exchange(::soci::use(ints_.back()));
    return *this;
}

Stmt& Stmt::into(std::string& out) {
    text_outs_.push_back(TextOut{&out});
    TextOut& slot = text_outs_.back();
    st_.exchange(::soci::into(out, slot.indicator));
    return *this;
}

Stmt& Stmt::into(std::int64_t& out) {
    int_outs_.push_back(IntOut{&out, nullptr});
    IntOut& slot = int_outs_.back();
    st_.exchange(::soci::into(slot.value, slot.indicator));
    return *this;
}

Stmt& Stmt::into(bool& out) {
    int_outs_.push_back(IntOut{nullptr, &out});
    IntOut& slot = int_outs_.back();
    st_.exchange(::soci::into(slot.value, slot.indicator));
    return *this;
}

void Stmt::prepare() {
    if (prepared_) {
        return;
    }
    st_.alloc();
    // One-time queries go through PQexecParams on PostgreSQL: no named server-side statement
    // to allocate and deallocate for each call.
    st_.prepare(text_, ::soci::details::st_one_time_query);
    st_.define_and_bind();
    prepared_ = true;
}

void Stmt::copyOut() {
    for (TextOut& slot : text_outs_) {
        if (slot.indicator == ::soci::i_null) {
            slot.target->clear();
        }
    }
    for (IntOut& slot : int_outs_) {
        long long value = slot.indicator == ::soci::i_null ? 0 : slot.value;
        if (slot.target != nullptr) {
            *slot.target = static_cast<std::int64_t>(value);
        }
        if (slot.flag != nullptr) {
            *slot.flag = value != 0;
        }
    }
}

bool Stmt::execute() {
    prepare();
    bool got = st_.execute(true);
    if (got) {
        copyOut();
    }
    return got;
}

bool Stmt::fetch() {
    bool got = st_.fetch();
    if (got) {
        copyOut();
    }
    return got;
}

std::int64_t Stmt::affected() { return static_cast<std::int64_t>(st_.get_affected_rows()); }

}  // namespace authd::plugins::soci_common
