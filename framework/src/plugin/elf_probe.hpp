// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>

namespace authd::plugin {

/// What a look at a file's bytes says about it, before any of its code runs.
enum class ElfVerdict : std::uint8_t {
    plugin,              ///< a native shared library exporting the symbol in the section
    unreadable,          ///< the file cannot be opened or read
    not_elf,             ///< no ELF magic: not a compiled library at all
    wrong_architecture,  ///< ELF, but another word size, byte order or CPU than this process
    not_shared_library,  ///< ELF executable, object file or core dump
    damaged,             ///< offsets or sizes point outside the file
    no_symbol,           ///< a shared library without the exported symbol
    symbol_elsewhere,    ///< the symbol is exported, but not from the required section
};

struct ElfProbe {
    ElfVerdict verdict = ElfVerdict::unreadable;
    std::string detail;  ///< why, for the message (e.g. "ELF machine 183", "No such file")
};

/// Checks that `path` is a shared library for this process's architecture that exports
/// `symbol` (a default-visibility dynamic symbol, as dlsym sees it) from section `section`.
/// Reads the file only, with every offset bounds-checked, so a truncated or hostile file yields
/// `damaged` rather than a crash or a huge allocation. Uses the dynamic symbol table, so
/// stripped plugins pass. Never throws.
ElfProbe probeElfSymbol(const std::filesystem::path& path, const std::string& section,
                        const std::string& symbol) noexcept;

}  // namespace authd::plugin
