// SPDX-License-Identifier: Apache-2.0
#include "statement.hpp"

#include <stdexcept>
#include <utility>

#include "database.hpp"

namespace authd::plugins::soci_common {

namespace {

thread_local StatementCache* t_current = nullptr;

std::string describeMismatch(const Prepared& statement, const char* what, std::size_t index) {
    return "statement cache: " + std::string(what) + " " + std::to_string(index + 1) +
           " is bound differently from the first use of: " + statement.text;
}

void clearValues(Prepared& statement) {
    for (Prepared::Slot& slot : statement.params) {
        slot.text.clear();
        slot.integer = 0;
        slot.indicator = ::soci::i_ok;
    }
    for (Prepared::Slot& slot : statement.columns) {
        slot.text.clear();
        slot.integer = 0;
        slot.indicator = ::soci::i_ok;
    }
}

}  // namespace

// ---------------------------------------------------------------------------- StatementCache

StatementCache::StatementCache(::soci::session& sql, const Dialect& dialect, std::size_t capacity)
    : sql_(sql), dialect_(dialect), capacity_(capacity == 0 ? 1 : capacity) {}

StatementCache::~StatementCache() { clear(); }

StatementCache* StatementCache::current(const ::soci::session& sql) noexcept {
    return t_current != nullptr && &t_current->sql_ == &sql ? t_current : nullptr;
}

StatementCache::Use::Use(StatementCache* cache) noexcept : previous_(t_current) {
    t_current = cache;
}

StatementCache::Use::~Use() { t_current = previous_; }

void StatementCache::collectRetired() noexcept {
    retired_.clear();  // finalizing never throws out of SOCI's destructors
}

Prepared* StatementCache::acquire(const std::string& text) {
    collectRetired();
    if (auto found = index_.find(text); found != index_.end()) {
        Prepared* statement = found->second->get();
        if (statement->in_use) {
            return nullptr;
        }
        entries_.splice(entries_.begin(), entries_, found->second);
        statement->in_use = true;
        return statement;
    }
    // Make room: drop the least recently used statements that are not in use.
    for (auto it = entries_.end(); entries_.size() >= capacity_ && it != entries_.begin();) {
        --it;
        if ((*it)->in_use) {
            continue;
        }
        index_.erase((*it)->text);
        it = entries_.erase(it);
    }
    if (entries_.size() >= capacity_) {
        return nullptr;  // every statement is in use: the caller runs uncached
    }
    entries_.push_front(std::make_unique<Prepared>(sql_, text, true));
    index_.emplace(text, entries_.begin());
    Prepared* statement = entries_.front().get();
    statement->in_use = true;
    return statement;
}

void StatementCache::release(Prepared* statement, bool reusable) noexcept {
    if (statement->orphaned) {
        // Its connection was reopened while it was in use (not expected: a connection is only
        // reopened after the work that used it has unwound). Finalizing it now would touch the
        // old connection's freed state, so it is left alone.
        return;
    }
    statement->in_use = false;
    if (reusable) {
        try {
            dialect_.resetStatement(statement->st);
            clearValues(*statement);
            return;
        } catch (...) {
            // Could not be reset: not reused.
        }
    }
    auto found = index_.find(statement->text);
    if (found == index_.end() || found->second->get() != statement) {
        return;
    }
    retired_.push_back(std::move(*found->second));
    entries_.erase(found->second);
    index_.erase(found);
}

void StatementCache::clear() noexcept {
    retired_.clear();
    for (auto& entry : entries_) {
        if (entry->in_use) {
            entry->orphaned = true;
            (void)entry.release();  // see release()
        }
    }
    index_.clear();
    entries_.clear();
}

// ---------------------------------------------------------------------------- Stmt

Stmt::Stmt(::soci::session& sql, std::string text) {
    if (StatementCache* cache = StatementCache::current(sql)) {
        statement_ = cache->acquire(text);
        if (statement_ != nullptr) {
            cache_ = cache;
            return;
        }
    }
    // One-time queries go through PQexecParams on PostgreSQL: no named server-side statement
    // to allocate and deallocate.
    owned_ = std::make_unique<Prepared>(sql, std::move(text), false);
    statement_ = owned_.get();
}

Stmt::~Stmt() {
    if (cache_ != nullptr) {
        cache_->release(statement_, statement_->prepared && !failed_);
    }
}

Prepared::Slot& Stmt::bindParam(bool is_text) {
    Prepared& statement = *statement_;
    const std::size_t index = next_param_++;
    if (index < statement.params.size()) {
        Prepared::Slot& slot = statement.params[index];
        if (slot.is_text != is_text) {
            throw std::logic_error(describeMismatch(statement, "parameter", index));
        }
        return slot;
    }
    if (statement.prepared) {
        throw std::logic_error(describeMismatch(statement, "parameter", index));
    }
    Prepared::Slot& slot = statement.params.emplace_back();
    slot.is_text = is_text;
    if (is_text) {
        statement.st.exchange(::soci::use(slot.text, slot.indicator));
    } else {
        statement.st.exchange(::soci::use(slot.integer, slot.indicator));
    }
    return slot;
}

void Stmt::bindColumn(bool is_text) {
    Prepared& statement = *statement_;
    const std::size_t index = targets_.size();
    if (index < statement.columns.size()) {
        if (statement.columns[index].is_text != is_text) {
            throw std::logic_error(describeMismatch(statement, "column", index));
        }
        return;
    }
    if (statement.prepared) {
        throw std::logic_error(describeMismatch(statement, "column", index));
    }
    Prepared::Slot& slot = statement.columns.emplace_back();
    slot.is_text = is_text;
    if (is_text) {
        statement.st.exchange(::soci::into(slot.text, slot.indicator));
    } else {
        statement.st.exchange(::soci::into(slot.integer, slot.indicator));
    }
}

Stmt& Stmt::use(std::string value) {
    Prepared::Slot& slot = bindParam(true);
    slot.text = std::move(value);
    slot.indicator = ::soci::i_ok;
    return *this;
}

Stmt& Stmt::useNullable(std::string value) {
    Prepared::Slot& slot = bindParam(true);
    slot.indicator = value.empty() ? ::soci::i_null : ::soci::i_ok;
    slot.text = std::move(value);
    return *this;
}

Stmt& Stmt::use(std::int64_t value) {
    Prepared::Slot& slot = bindParam(false);
    slot.integer = static_cast<long long>(value);
    return *this;
}

Stmt& Stmt::into(std::string& out) {
    bindColumn(true);
    targets_.push_back(Target{&out, nullptr, nullptr});
    return *this;
}

Stmt& Stmt::into(std::int64_t& out) {
    bindColumn(false);
    targets_.push_back(Target{nullptr, &out, nullptr});
    return *this;
}

Stmt& Stmt::into(bool& out) {
    bindColumn(false);
    targets_.push_back(Target{nullptr, nullptr, &out});
    return *this;
}

void Stmt::copyOut() {
    for (std::size_t i = 0; i < targets_.size(); ++i) {
        const Prepared::Slot& slot = statement_->columns[i];
        const Target& target = targets_[i];
        const bool null = slot.indicator == ::soci::i_null;
        if (target.text != nullptr) {
            if (null) {
                target.text->clear();
            } else {
                *target.text = slot.text;
            }
            continue;
        }
        const long long value = null ? 0 : slot.integer;
        if (target.integer != nullptr) {
            *target.integer = static_cast<std::int64_t>(value);
        }
        if (target.flag != nullptr) {
            *target.flag = value != 0;
        }
    }
}

bool Stmt::execute() {
    Prepared& statement = *statement_;
    if (next_param_ != statement.params.size() || targets_.size() != statement.columns.size()) {
        throw std::logic_error("statement cache: fewer parameters or columns bound than at the "
                               "first use of: " + statement.text);
    }
    failed_ = true;
    if (!statement.prepared) {
        statement.st.alloc();
        statement.st.prepare(statement.text, statement.repeatable
                                                 ? ::soci::details::st_repeatable_query
                                                 : ::soci::details::st_one_time_query);
        statement.st.define_and_bind();
        statement.prepared = true;
    }
    const bool got = statement.st.execute(true);
    failed_ = false;
    if (got) {
        copyOut();
    }
    return got;
}

bool Stmt::fetch() {
    failed_ = true;
    const bool got = statement_->st.fetch();
    failed_ = false;
    if (got) {
        copyOut();
    }
    return got;
}

std::int64_t Stmt::affected() {
    return static_cast<std::int64_t>(statement_->st.get_affected_rows());
}

}  // namespace authd::plugins::soci_common
