#pragma once
// Safe file paths from untrusted .torrent metadata (DESIGN.md section 4, "Path safety").
//
// A torrent names its files with a list of path elements (or, for a single file, its `name`).
// Those strings come from strangers: they may try to climb out of the save directory, name
// absolute paths, hide separators inside an element, disguise an extension with bidi controls,
// or use names that Windows cannot create. Everything here is pure and platform independent, so
// a torrent lays out identically on Linux, macOS and Windows and the files copy between them.
//
// sanitize_path() rules, in order:
//  1. Every input element is split on both '/' and '\\'; each piece is sanitised on its own,
//     so separators hidden inside an element ("foo/../../bar", "..\\..\\x") are boundaries,
//     never passed through. Empty pieces are dropped, which also removes leading separators
//     ("/etc/passwd" -> etc, passwd) and UNC prefixes ("\\\\server\\share" -> server, share).
//  2. Invalid UTF-8 (overlong forms, surrogates, truncated sequences, above U+10FFFF, stray
//     continuation bytes) becomes one '_' per maximal ill-formed subpart (Unicode's "U+FFFD
//     substitution of maximal subparts" practice), so a valid character after a broken one
//     is never swallowed. An overlong '/' (C0 AF) is therefore "__", never a separator.
//  3. Unicode category Cc (U+0000-U+001F, U+007F, U+0080-U+009F, including U+0085) -> '_'.
//  4. Characters Windows forbids in names, < > : " | ? *, become '_'. A drive letter "C:" thus
//     becomes the ordinary directory name "C_" (kept rather than dropped: it is harmless once
//     the ':' is gone and keeps the layout recognisable). No output can be absolute anywhere.
//  5. Bidi controls (U+061C, U+200E, U+200F, U+202A-U+202E, U+2066-U+2069) and zero-width
//     characters (U+200B-U+200D, U+2060, U+FEFF) are removed: they can make "exe<RLO>txt.scr"
//     display as "exercs.txt". Note that removing U+200D splits joined emoji sequences into
//     their parts; every other valid character (CJK, accents, emoji) passes through unchanged.
//  6. Trailing dots and spaces are stripped (Windows drops them silently, which would make
//     "a." and "a" collide); leading spaces are kept. This also removes "." and "..".
//  7. A piece that is now empty is dropped.
//  8. Windows device names (CON, PRN, AUX, NUL, CONIN$, CONOUT$, COM0-COM9, LPT0-LPT9 and the
//     superscript COM1-3/LPT1-3 forms, case-insensitive) as the part before the first '.' (and
//     before trailing spaces) get a '_' after the device word: "CON" -> "CON_",
//     "con.txt" -> "con_.txt", "COM1.tar.gz" -> "COM1_.tar.gz".
//  9. A piece is at most kMaxPathElementBytes bytes of UTF-8. Longer ones are cut at a
//     character boundary, keeping the extension (the text after the last '.', if the dot is
//     not the first byte and at most 10 bytes follow it); rule 6 is applied again after the
//     cut. Device names are checked after the cut too.
// Every output element is non-empty, valid UTF-8, free of separators, control characters and
// the characters of rules 4-5, not "." or "..", and sanitize_path_element() leaves it unchanged.

#include <cstddef>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace lt {

// Longest path element produced, in bytes: NAME_MAX on Linux/macOS file systems, and Windows'
// 255 UTF-16 units always holds 255 bytes of UTF-8.
inline constexpr std::size_t kMaxPathElementBytes = 255;

// Sanitises a torrent's path (the list of elements from a `path` list, or the torrent name as a
// single element) into safe relative elements. Returns an empty vector when nothing usable
// remains (the caller substitutes a name).
[[nodiscard]] std::vector<std::string> sanitize_path(std::span<const std::string_view> elements);

// One element (no separators inside after splitting) -> its safe form, or "" if it must be
// dropped. A '/' or '\\' that does reach it becomes '_', so the result is always one element.
[[nodiscard]] std::string sanitize_path_element(std::string_view element);

// Makes '/'-joined relative paths (normally built from sanitize_path() output) unique, in order.
// - A later duplicate gets ".N" before its extension, N counting from 1 per name:
//   "a/b.txt" -> "a/b.1.txt", then "a/b.2.txt"; "a/noext" -> "a/noext.1"; ".hidden" ->
//   ".hidden.1" (a leading dot does not start an extension; extensions over 10 bytes are not
//   treated as one). The new element goes through sanitize_path_element(), so it stays within
//   kMaxPathElementBytes (the stem is cut) and is never a Windows device name.
// - A file whose path equals a directory of any other file (earlier or later) is renamed the
//   same way; directories are never renamed, so other files keep their paths.
// - A generated name is never one that another entry already has (an earlier or later file,
//   or a directory), so entries that were unique keep their names: ["x", "x", "x.1"] becomes
//   ["x", "x.2", "x.1"].
// Deterministic, and near-linear in the total length of the paths (a trie over the elements;
// each element is hashed once). Returns the number of renamed entries. Throws
// std::length_error("too many duplicate file names") before changing anything when more than
// max_renames entries would need renaming (hostile torrents repeat one name hundreds of times
// to make clients probe quadratically), or if probing for free names takes unreasonably long.
std::size_t make_paths_unique(std::vector<std::string>& paths, std::size_t max_renames = 100);

}  // namespace lt
