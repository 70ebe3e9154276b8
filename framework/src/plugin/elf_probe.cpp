// SPDX-License-Identifier: Apache-2.0
#include "plugin/elf_probe.hpp"

#include <elf.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <limits>
#include <optional>
#include <string_view>
#include <type_traits>
#include <vector>

// Boost.DLL's library_info would do this job, but in Boost 1.74 it reads offsets from the file
// without bounds checks (a corrupted .so crashes the host, found by mutating a plugin) and it
// reads only .symtab, which `strip` removes from installed plugins. This reader checks every
// offset against the file size and looks where dlsym looks: the dynamic symbol table.

namespace authd::plugin {
namespace {

constexpr bool kIs64Bit = sizeof(void*) == 8;
using Ehdr = std::conditional_t<kIs64Bit, Elf64_Ehdr, Elf32_Ehdr>;
using Shdr = std::conditional_t<kIs64Bit, Elf64_Shdr, Elf32_Shdr>;
using Sym = std::conditional_t<kIs64Bit, Elf64_Sym, Elf32_Sym>;
constexpr unsigned char kNativeClass = kIs64Bit ? ELFCLASS64 : ELFCLASS32;

#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
constexpr unsigned char kNativeData = ELFDATA2LSB;
#else
constexpr unsigned char kNativeData = ELFDATA2MSB;
#endif

// 0 when this build does not know its own machine number: the check is then left to dlopen.
#if defined(__x86_64__)
constexpr unsigned kNativeMachine = EM_X86_64;
#elif defined(__aarch64__)
constexpr unsigned kNativeMachine = EM_AARCH64;
#elif defined(__i386__)
constexpr unsigned kNativeMachine = EM_386;
#elif defined(__arm__)
constexpr unsigned kNativeMachine = EM_ARM;
#elif defined(__riscv)
constexpr unsigned kNativeMachine = EM_RISCV;
#elif defined(__powerpc64__)
constexpr unsigned kNativeMachine = EM_PPC64;
#elif defined(__s390x__)
constexpr unsigned kNativeMachine = EM_S390;
#else
constexpr unsigned kNativeMachine = 0;
#endif

// Real plugins have a few thousand sections and symbols at most; anything larger is refused
// before allocating, so a hostile header cannot make the host allocate gigabytes.
constexpr std::uint64_t kMaxSections = 1U << 16;
constexpr std::uint64_t kMaxTableBytes = 64U << 20;

class FileReader {
public:
    explicit FileReader(const std::filesystem::path& path) : in_(path, std::ios::binary) {
        if (!in_) {
            open_errno_ = errno;
            return;
        }
        in_.seekg(0, std::ios::end);
        const std::streamoff end = in_.tellg();
        if (end >= 0) {
            size_ = static_cast<std::uint64_t>(end);
        }
    }

    bool opened() const { return in_.is_open() && open_errno_ == 0; }
    int openErrno() const { return open_errno_; }
    std::uint64_t size() const { return size_; }

    bool fits(std::uint64_t offset, std::uint64_t length) const {
        return offset <= size_ && length <= size_ - offset;
    }

    bool read(std::uint64_t offset, void* out, std::uint64_t length) {
        if (!fits(offset, length) ||
            offset > static_cast<std::uint64_t>(std::numeric_limits<std::streamoff>::max())) {
            return false;
        }
        in_.clear();
        in_.seekg(static_cast<std::streamoff>(offset));
        in_.read(static_cast<char*>(out), static_cast<std::streamsize>(length));
        return static_cast<std::uint64_t>(in_.gcount()) == length;
    }

    template <typename T>
    bool readVector(std::uint64_t offset, std::uint64_t count, std::vector<T>& out) {
        if (count == 0) {
            out.clear();
            return true;
        }
        if (count > kMaxTableBytes / sizeof(T)) {
            return false;
        }
        out.resize(static_cast<std::size_t>(count));
        return read(offset, out.data(), count * sizeof(T));
    }

private:
    std::ifstream in_;
    std::uint64_t size_ = 0;
    int open_errno_ = 0;
};

ElfProbe verdict(ElfVerdict v, std::string detail) {
    return ElfProbe{v, std::move(detail)};
}

// The NUL-terminated name at `offset` in a string table, or nullopt if it runs off the table.
std::optional<std::string_view> nameAt(const std::vector<char>& table, std::uint64_t offset) {
    if (offset >= table.size()) {
        return std::nullopt;
    }
    const char* begin = table.data() + offset;
    const void* nul = std::memchr(begin, '\0', table.size() - static_cast<std::size_t>(offset));
    if (nul == nullptr) {
        return std::nullopt;
    }
    return std::string_view(begin, static_cast<std::size_t>(static_cast<const char*>(nul) - begin));
}

std::string describeType(unsigned type) {
    switch (type) {
    case ET_EXEC: return "an executable";
    case ET_REL: return "an object file (.o)";
    case ET_CORE: return "a core dump";
    default: return "ELF type " + std::to_string(type);
    }
}

ElfProbe probe(const std::filesystem::path& path, const std::string& section_name,
               const std::string& symbol_name) {
    FileReader file(path);
    if (!file.opened()) {
        const int err = file.openErrno() != 0 ? file.openErrno() : EIO;
        return verdict(ElfVerdict::unreadable, std::strerror(err));
    }

    unsigned char ident[EI_NIDENT] = {};
    if (file.size() < SELFMAG || !file.read(0, ident, SELFMAG) ||
        std::memcmp(ident, ELFMAG, SELFMAG) != 0) {
        return verdict(ElfVerdict::not_elf, "no ELF header");
    }
    if (!file.read(0, ident, EI_NIDENT)) {
        return verdict(ElfVerdict::damaged, "truncated ELF header");
    }
    if (ident[EI_CLASS] != kNativeClass) {
        return verdict(ElfVerdict::wrong_architecture, ident[EI_CLASS] == ELFCLASS32
                                                           ? "32-bit ELF, this process is 64-bit"
                                                           : "64-bit ELF, this process is 32-bit");
    }
    if (ident[EI_DATA] != kNativeData) {
        return verdict(ElfVerdict::wrong_architecture, "byte order differs from this process");
    }

    Ehdr header{};
    if (!file.read(0, &header, sizeof header)) {
        return verdict(ElfVerdict::damaged, "truncated ELF header");
    }
    if (header.e_type != ET_DYN) {
        return verdict(ElfVerdict::not_shared_library, describeType(header.e_type));
    }
    if (kNativeMachine != 0 && header.e_machine != kNativeMachine) {
        return verdict(ElfVerdict::wrong_architecture,
                       "ELF machine " + std::to_string(header.e_machine) +
                           ", this process is machine " + std::to_string(kNativeMachine));
    }

    if (header.e_shoff == 0 || header.e_shentsize != sizeof(Shdr)) {
        return verdict(ElfVerdict::damaged, "no usable section header table");
    }
    // Extended numbering: counts that do not fit the header live in section 0.
    Shdr first{};
    if (!file.read(header.e_shoff, &first, sizeof first)) {
        return verdict(ElfVerdict::damaged, "section header table outside the file");
    }
    const std::uint64_t section_count = header.e_shnum != 0 ? header.e_shnum : first.sh_size;
    const std::uint64_t names_index =
        header.e_shstrndx != SHN_XINDEX ? header.e_shstrndx : first.sh_link;
    if (section_count == 0 || section_count > kMaxSections) {
        return verdict(ElfVerdict::damaged, "implausible section count");
    }
    std::vector<Shdr> sections;
    if (!file.readVector(header.e_shoff, section_count, sections)) {
        return verdict(ElfVerdict::damaged, "section header table outside the file");
    }
    if (names_index >= section_count || sections[names_index].sh_type != SHT_STRTAB) {
        return verdict(ElfVerdict::damaged, "no section name table");
    }
    std::vector<char> section_names;
    const Shdr& names_header = sections[names_index];
    if (!file.readVector(names_header.sh_offset, names_header.sh_size, section_names)) {
        return verdict(ElfVerdict::damaged, "section name table outside the file");
    }

    std::optional<std::size_t> wanted_section;
    for (std::size_t i = 0; i < sections.size(); ++i) {
        if (nameAt(section_names, sections[i].sh_name) == section_name) {
            wanted_section = i;
            break;
        }
    }

    bool saw_dynsym = false;
    for (const Shdr& table : sections) {
        if (table.sh_type != SHT_DYNSYM) {
            continue;
        }
        saw_dynsym = true;
        if (table.sh_link >= section_count || sections[table.sh_link].sh_type != SHT_STRTAB) {
            return verdict(ElfVerdict::damaged, "dynamic symbol table without string table");
        }
        std::vector<Sym> symbols;
        if (!file.readVector(table.sh_offset, table.sh_size / sizeof(Sym), symbols)) {
            return verdict(ElfVerdict::damaged, "dynamic symbol table outside the file");
        }
        std::vector<char> strings;
        const Shdr& strings_header = sections[table.sh_link];
        if (!file.readVector(strings_header.sh_offset, strings_header.sh_size, strings)) {
            return verdict(ElfVerdict::damaged, "dynamic string table outside the file");
        }
        for (const Sym& sym : symbols) {
            const unsigned binding = static_cast<unsigned>(sym.st_info) >> 4U;
            const unsigned visibility = static_cast<unsigned>(sym.st_other) & 0x3U;
            if (sym.st_shndx == SHN_UNDEF || (binding != STB_GLOBAL && binding != STB_WEAK) ||
                visibility != STV_DEFAULT || nameAt(strings, sym.st_name) != symbol_name) {
                continue;
            }
            if (wanted_section && sym.st_shndx == *wanted_section) {
                return verdict(ElfVerdict::plugin, {});
            }
            std::string where = "section index " + std::to_string(sym.st_shndx);
            if (sym.st_shndx < section_count) {
                if (auto name = nameAt(section_names, sections[sym.st_shndx].sh_name)) {
                    where = "section " + std::string(*name);
                }
            }
            return verdict(ElfVerdict::symbol_elsewhere, "exported from " + where);
        }
    }
    return verdict(ElfVerdict::no_symbol,
                   saw_dynsym ? "symbol not exported" : "no dynamic symbol table");
}

}  // namespace

ElfProbe probeElfSymbol(const std::filesystem::path& path, const std::string& section,
                        const std::string& symbol) noexcept {
    try {
        return probe(path, section, symbol);
    } catch (const std::bad_alloc&) {
        return verdict(ElfVerdict::damaged, "tables too large to read");
    } catch (const std::exception& e) {
        return verdict(ElfVerdict::unreadable, e.what());
    }
}

}  // namespace authd::plugin
