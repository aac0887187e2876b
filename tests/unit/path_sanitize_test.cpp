#include "core/path_sanitize.hpp"

#include <gtest/gtest.h>

#include <array>
#include <random>
#include <stdexcept>
#include <string>
#include <string_view>
#include <unordered_set>
#include <vector>

#include "support/path_invariants.hpp"

namespace {

using namespace std::string_view_literals;
using Strings = std::vector<std::string>;

Strings sanitize(std::vector<std::string_view> elements) {
  return lt::sanitize_path(elements);
}

static_assert(lt::test::kMaxElementBytes == lt::kMaxPathElementBytes);

// Every rule of the header that can be checked on an output element alone, and the element is a
// fixed point of sanitize_path_element().
::testing::AssertionResult is_safe_element(std::string_view e) {
  auto fail = [&](std::string_view why) {
    return ::testing::AssertionFailure() << why << ": \"" << e << "\" (" << e.size() << " bytes)";
  };
  if (const std::string why = lt::test::element_violation(e); !why.empty()) return fail(why);
  if (lt::sanitize_path_element(e) != e) return fail("not a fixed point");
  return ::testing::AssertionSuccess();
}

// --- splitting and traversal ----------------------------------------------------------------

TEST(PathSanitize, OrdinaryNamesAreUnchanged) {
  EXPECT_EQ(sanitize({"dir", "file.txt"}), (Strings{"dir", "file.txt"}));
  EXPECT_EQ(sanitize({"My Album (2001)", "01 - Intro.flac"}),
            (Strings{"My Album (2001)", "01 - Intro.flac"}));
  EXPECT_EQ(sanitize({".hidden", "a.b.c", "-dash", "#hash%"}),
            (Strings{".hidden", "a.b.c", "-dash", "#hash%"}));
}

TEST(PathSanitize, ValidUnicodePassesThrough) {
  const std::string japanese = "\xE6\x97\xA5\xE6\x9C\xAC\xE8\xAA\x9E";      // 日本語
  const std::string accents = "\xC3\x9Cn\xC3\xAF\x63\xC3\xB6\x64\xC3\xA9";  // Ünïcödé
  const std::string emoji = "\xF0\x9F\x98\x80 \xF0\x9F\x8E\xB5.mp3";        // 😀 🎵.mp3
  const std::string highest = "\xF4\x8F\xBF\xBF";                           // U+10FFFF
  EXPECT_EQ(sanitize({japanese, accents, emoji, highest}),
            (Strings{japanese, accents, emoji, highest}));
}

TEST(PathSanitize, DotAndDotDotElementsAreDropped) {
  EXPECT_EQ(sanitize({"..", "..", "bar"}), Strings{"bar"});
  EXPECT_EQ(sanitize({".", "a", "..", "b", "."}), (Strings{"a", "b"}));
  EXPECT_EQ(sanitize({"...", " .. ", ". ."}), Strings{});
}

TEST(PathSanitize, SeparatorsHiddenInsideAnElementSplitIt) {
  EXPECT_EQ(sanitize({"foo/../../../bar"}), (Strings{"foo", "bar"}));
  EXPECT_EQ(sanitize({"../../etc/passwd"}), (Strings{"etc", "passwd"}));
  EXPECT_EQ(sanitize({"abc/../../def", "/", "bar"}), (Strings{"abc", "def", "bar"}));
  EXPECT_EQ(sanitize({"temp/../../abc"}), (Strings{"temp", "abc"}));
}

TEST(PathSanitize, BackslashTraversalIsSplitToo) {
  EXPECT_EQ(sanitize({"..\\..\\x"}), Strings{"x"});
  EXPECT_EQ(sanitize({"\\", "\\", "bar"}), Strings{"bar"});
  EXPECT_EQ(sanitize({"a\\..\\b/..\\c"}), (Strings{"a", "b", "c"}));
}

TEST(PathSanitize, AbsolutePathsBecomeRelative) {
  EXPECT_EQ(sanitize({"/etc/passwd"}), (Strings{"etc", "passwd"}));
  EXPECT_EQ(sanitize({"/", "/", "bar"}), Strings{"bar"});
  EXPECT_EQ(sanitize({"/foobar"}), Strings{"foobar"});
  EXPECT_EQ(sanitize({"//", "x"}), Strings{"x"});
}

TEST(PathSanitize, DriveLettersLoseTheirColon) {
  EXPECT_EQ(sanitize({"C:\\Windows"}), (Strings{"C_", "Windows"}));
  EXPECT_EQ(sanitize({"C:\\Windows\\System32\\drivers\\etc\\hosts"}),
            (Strings{"C_", "Windows", "System32", "drivers", "etc", "hosts"}));
  EXPECT_EQ(sanitize({"C:"}), Strings{"C_"});
  EXPECT_EQ(sanitize({"d:/x"}), (Strings{"d_", "x"}));
  EXPECT_EQ(sanitize({"C:evil.exe"}), Strings{"C_evil.exe"});  // drive-relative on Windows
  EXPECT_EQ(sanitize({"file.txt:stream"}), Strings{"file.txt_stream"});  // NTFS stream
}

TEST(PathSanitize, UncAndDevicePathsBecomeRelative) {
  EXPECT_EQ(sanitize({"\\\\server\\share"}), (Strings{"server", "share"}));
  EXPECT_EQ(sanitize({"\\\\server\\share\\x.txt"}), (Strings{"server", "share", "x.txt"}));
  EXPECT_EQ(sanitize({"\\\\?\\C:\\x"}), (Strings{"_", "C_", "x"}));
  EXPECT_EQ(sanitize({"\\\\.\\PhysicalDrive0"}), Strings{"PhysicalDrive0"});
}

TEST(PathSanitize, NothingUsableLeftGivesAnEmptyPath) {
  EXPECT_EQ(sanitize({}), Strings{});
  EXPECT_EQ(sanitize({""}), Strings{});
  EXPECT_EQ(sanitize({"", ""}), Strings{});
  EXPECT_EQ(sanitize({"..", "/", "\\", ".", " . ", "\xE2\x80\x8B"}), Strings{});
}

// --- character rules ------------------------------------------------------------------------

TEST(PathSanitize, NulByteIsReplaced) {
  EXPECT_EQ(sanitize({"a\0b"sv}), Strings{"a_b"});
  EXPECT_EQ(sanitize({"evil.txt\0.jpg"sv}), Strings{"evil.txt_.jpg"});
  EXPECT_EQ(sanitize({"\0"sv}), Strings{"_"});
}

TEST(PathSanitize, ControlCharactersAreReplaced) {
  EXPECT_EQ(lt::sanitize_path_element("a\x7f"), "a_");  // DEL
  EXPECT_EQ(lt::sanitize_path_element("a\xC2\x85"
                                      "b"),
            "a_b");                                                 // U+0085 NEL
  EXPECT_EQ(lt::sanitize_path_element("\x1b[31mred"), "_[31mred");  // ESC
  EXPECT_EQ(lt::sanitize_path_element("a\tb\nc\rd"), "a_b_c_d");
  EXPECT_EQ(lt::sanitize_path_element("\xC2\x80\xC2\x9F"), "__");  // U+0080, U+009F
  EXPECT_EQ(lt::sanitize_path_element("\x01\x1f"), "__");
  EXPECT_EQ(lt::sanitize_path_element("\xC2\xA0x"), "\xC2\xA0x");  // U+00A0 is not Cc
}

TEST(PathSanitize, InvalidUtf8BecomesOneUnderscorePerBrokenSequence) {
  // An overlong '/' must not act as a separator (it is not split) nor survive.
  EXPECT_EQ(lt::sanitize_path_element("\xC0\xAF"), "__");
  EXPECT_EQ(sanitize({"a\xC0\xAF..\xC0\xAF"
                      "b"}),
            Strings{"a__..__b"});
  EXPECT_EQ(lt::sanitize_path_element("\xE0\x80\xAF"), "___");      // 3-byte overlong '/'
  EXPECT_EQ(lt::sanitize_path_element("\xED\xA0\x80"), "___");      // lone surrogate U+D800
  EXPECT_EQ(lt::sanitize_path_element("x\xED\xBF\xBFy"), "x___y");  // U+DFFF
  EXPECT_EQ(lt::sanitize_path_element("abc\xE6\x97"), "abc_");      // truncated at the end
  EXPECT_EQ(lt::sanitize_path_element("abc\xF0\x9F\x98"), "abc_");
  EXPECT_EQ(lt::sanitize_path_element("\xE6\x97"
                                      "a"),
            "_a");  // next char not swallowed
  EXPECT_EQ(lt::sanitize_path_element("\xE6\x97\xE6\x97\xA5"), "_\xE6\x97\xA5");
  EXPECT_EQ(lt::sanitize_path_element("\xF4\x90\x80\x80"), "____");  // U+110000
  EXPECT_EQ(lt::sanitize_path_element("\xF5\x80"), "__");
  EXPECT_EQ(lt::sanitize_path_element("\x80x\xBF"), "_x_");  // stray continuation bytes
  EXPECT_EQ(lt::sanitize_path_element("\xFF\xFE"), "__");
  EXPECT_EQ(lt::sanitize_path_element("\x82"
                                      "est"),
            "_est");
}

TEST(PathSanitize, WindowsForbiddenCharactersAreReplaced) {
  EXPECT_EQ(lt::sanitize_path_element("a<b>c:d\"e|f?g*h"), "a_b_c_d_e_f_g_h");
  EXPECT_EQ(lt::sanitize_path_element("what?"), "what_");
  EXPECT_EQ(lt::sanitize_path_element("*"), "_");
}

TEST(PathSanitize, SeparatorsReachingTheElementFunctionAreReplaced) {
  EXPECT_EQ(lt::sanitize_path_element("a/b"), "a_b");
  EXPECT_EQ(lt::sanitize_path_element("..\\x"), ".._x");
}

TEST(PathSanitize, BidiControlsAreRemoved) {
  // "exe<RLO>txt.scr" would display as "exercs.txt".
  EXPECT_EQ(sanitize({"exe\xE2\x80\xAEtxt.scr"}), Strings{"exetxt.scr"});
  const std::array<std::string_view, 12> bidi = {
      "\xD8\x9C",      // U+061C ALM
      "\xE2\x80\x8E",  // U+200E LRM
      "\xE2\x80\x8F",  // U+200F RLM
      "\xE2\x80\xAA",  // U+202A LRE
      "\xE2\x80\xAB",  // U+202B RLE
      "\xE2\x80\xAC",  // U+202C PDF
      "\xE2\x80\xAD",  // U+202D LRO
      "\xE2\x80\xAE",  // U+202E RLO
      "\xE2\x81\xA6",  // U+2066 LRI
      "\xE2\x81\xA7",  // U+2067 RLI
      "\xE2\x81\xA8",  // U+2068 FSI
      "\xE2\x81\xA9",  // U+2069 PDI
  };
  for (const std::string_view c : bidi) {
    EXPECT_EQ(lt::sanitize_path_element("a" + std::string(c) + "b"), "ab");
  }
}

TEST(PathSanitize, ZeroWidthCharactersAreRemoved) {
  EXPECT_EQ(lt::sanitize_path_element("a\xE2\x80\x8B"
                                      "b"),
            "ab");  // U+200B ZWSP
  EXPECT_EQ(lt::sanitize_path_element("a\xE2\x80\x8C"
                                      "b"),
            "ab");  // U+200C ZWNJ
  EXPECT_EQ(lt::sanitize_path_element("a\xE2\x80\x8D"
                                      "b"),
            "ab");  // U+200D ZWJ
  EXPECT_EQ(lt::sanitize_path_element("a\xE2\x81\xA0"
                                      "b"),
            "ab");                                                           // U+2060 WJ
  EXPECT_EQ(lt::sanitize_path_element("\xEF\xBB\xBFname.txt"), "name.txt");  // U+FEFF BOM
  // ".txt" followed by an invisible character must not hide a trailing dot or space.
  EXPECT_EQ(lt::sanitize_path_element("x. \xE2\x80\x8B"), "x");
  // Only invisible characters: nothing left, so the element is dropped.
  EXPECT_EQ(sanitize({"a", "\xE2\x80\x8B\xE2\x80\xAE", "b"}), (Strings{"a", "b"}));
}

TEST(PathSanitize, TrailingDotsAndSpacesAreStripped) {
  EXPECT_EQ(lt::sanitize_path_element("name. . ."), "name");
  EXPECT_EQ(lt::sanitize_path_element("name   "), "name");
  EXPECT_EQ(lt::sanitize_path_element("foobar "), "foobar");
  EXPECT_EQ(lt::sanitize_path_element("a.b."), "a.b");
  EXPECT_EQ(lt::sanitize_path_element("  leading"), "  leading");
  EXPECT_EQ(lt::sanitize_path_element(" .x"), " .x");
  EXPECT_EQ(lt::sanitize_path_element("..."), "");
  EXPECT_EQ(lt::sanitize_path_element("   "), "");
}

TEST(PathSanitize, WindowsDeviceNamesGetAnUnderscore) {
  EXPECT_EQ(lt::sanitize_path_element("CON"), "CON_");
  EXPECT_EQ(lt::sanitize_path_element("con.txt"), "con_.txt");
  EXPECT_EQ(lt::sanitize_path_element("com1.txt"), "com1_.txt");
  EXPECT_EQ(lt::sanitize_path_element("COM1.tar.gz"), "COM1_.tar.gz");
  EXPECT_EQ(lt::sanitize_path_element("Lpt9"), "Lpt9_");
  EXPECT_EQ(lt::sanitize_path_element("PRN"), "PRN_");
  EXPECT_EQ(lt::sanitize_path_element("aux.c"), "aux_.c");
  EXPECT_EQ(lt::sanitize_path_element("nUl"), "nUl_");
  EXPECT_EQ(lt::sanitize_path_element("COM0"), "COM0_");
  EXPECT_EQ(lt::sanitize_path_element("conin$"), "conin$_");
  EXPECT_EQ(lt::sanitize_path_element("CONOUT$.log"), "CONOUT$_.log");
  EXPECT_EQ(lt::sanitize_path_element("COM\xC2\xB9"), "COM\xC2\xB9_");  // COM¹
  // Windows ignores trailing dots, and spaces before the extension, when matching devices.
  EXPECT_EQ(lt::sanitize_path_element("aux."), "aux_");
  EXPECT_EQ(lt::sanitize_path_element("CON  "), "CON_");
  EXPECT_EQ(lt::sanitize_path_element("CON .txt"), "CON_ .txt");
  EXPECT_EQ(sanitize({"con", "nul.txt"}), (Strings{"con_", "nul_.txt"}));
  // Device names hidden by invisible or forbidden characters are still caught.
  EXPECT_EQ(lt::sanitize_path_element("CO\xE2\x80\x8BN"), "CON_");
  EXPECT_EQ(lt::sanitize_path_element("\xEF\xBB\xBFnul.txt"), "nul_.txt");

  for (const char* ok : {"CONSOLE", "COM10", "LPT", "COM", "xCON", "con_", "CON_.txt", "CO",
                         "AUXILIARY.txt", "null", " CON", "COMA"}) {
    EXPECT_EQ(lt::sanitize_path_element(ok), ok) << ok;
  }
}

TEST(PathSanitize, LongElementsAreCutTo255Bytes) {
  EXPECT_EQ(lt::sanitize_path_element(std::string(300, 'a')), std::string(255, 'a'));
  EXPECT_EQ(lt::sanitize_path_element(std::string(255, 'a')), std::string(255, 'a'));
  EXPECT_EQ(lt::sanitize_path_element(std::string(300, 'a') + ".txt"),
            std::string(251, 'a') + ".txt");
  // An extension over 10 bytes is not kept.
  EXPECT_EQ(lt::sanitize_path_element(std::string(300, 'a') + ".verylongextension"),
            std::string(255, 'a'));
  EXPECT_EQ(lt::sanitize_path_element(std::string(300, 'a') + ".0123456789"),
            std::string(244, 'a') + ".0123456789");
}

TEST(PathSanitize, LongElementsAreCutAtCharacterBoundaries) {
  std::string japanese;
  for (int i = 0; i < 100; ++i)
    japanese += "\xE6\x97\xA5";  // 300 bytes of 日
  const std::string cut = lt::sanitize_path_element(japanese);
  EXPECT_EQ(cut, japanese.substr(0, 255));  // 85 whole characters
  EXPECT_TRUE(lt::test::is_valid_utf8(cut));

  std::string accents;
  for (int i = 0; i < 150; ++i)
    accents += "\xC3\xA9";  // 300 bytes of é
  const std::string cut2 = lt::sanitize_path_element(accents + ".mkv");
  EXPECT_EQ(cut2, accents.substr(0, 250) + ".mkv");  // 251 would split a character
  EXPECT_TRUE(lt::test::is_valid_utf8(cut2));

  std::string emoji;
  for (int i = 0; i < 80; ++i)
    emoji += "\xF0\x9F\x98\x80";  // 320 bytes
  const std::string cut3 = lt::sanitize_path_element(emoji);
  EXPECT_EQ(cut3.size(), 252u);
  EXPECT_TRUE(lt::test::is_valid_utf8(cut3));
}

TEST(PathSanitize, CuttingReappliesTheOtherRules) {
  // The cut leaves only trailing spaces and a leading "x".
  EXPECT_EQ(lt::sanitize_path_element("x" + std::string(300, ' ') + "y"), "x");
  // The cut leaves a bare device name.
  EXPECT_EQ(lt::sanitize_path_element("CON" + std::string(300, ' ') + "y"), "CON_");
  // A device name with a long tail stays within the limit after the '_' is added.
  const std::string device = lt::sanitize_path_element("CON." + std::string(251, 'x'));
  EXPECT_EQ(device.size(), 255u);
  EXPECT_TRUE(device.starts_with("CON_."));
  // Only spaces in the first 255 bytes: nothing left.
  EXPECT_EQ(lt::sanitize_path_element(std::string(300, ' ') + "x"), "");
  // Long names made mostly of replaced bytes still fit.
  EXPECT_EQ(lt::sanitize_path_element(std::string(400, '\x80')), std::string(255, '_'));
}

TEST(PathSanitize, LongPathElementsInsideAPath) {
  const Strings out = sanitize({std::string(300, 'd'), std::string(300, 'f') + ".iso"});
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(out[0], std::string(255, 'd'));
  EXPECT_EQ(out[1], std::string(251, 'f') + ".iso");
}

TEST(PathSanitize, OutputIsAFixedPoint) {
  for (const char* in : {"CON", "a\xC0\xAF", "name. . .", "x:y", "\xE2\x80\xAEtxt", "..",
                         "com1.txt", " lead", "\xED\xA0\x80", "CO\xE2\x80\x8BN"}) {
    const std::string once = lt::sanitize_path_element(in);
    EXPECT_EQ(lt::sanitize_path_element(once), once) << in;
  }
}

// --- make_paths_unique ----------------------------------------------------------------------

TEST(PathSanitize, UniquePathsAreLeftAlone) {
  Strings paths = {"a/x.txt", "b/x.txt", "x.txt", "a/y", "A/x.txt"};
  const Strings before = paths;
  EXPECT_EQ(lt::make_paths_unique(paths), 0u);
  EXPECT_EQ(paths, before);
  Strings empty;
  EXPECT_EQ(lt::make_paths_unique(empty), 0u);
}

TEST(PathSanitize, TwoIdenticalPaths) {
  Strings paths = {"foo/bar.txt", "foo/bar.txt"};
  EXPECT_EQ(lt::make_paths_unique(paths), 1u);
  EXPECT_EQ(paths, (Strings{"foo/bar.txt", "foo/bar.1.txt"}));
}

TEST(PathSanitize, ThreeIdenticalPathsCountUp) {
  Strings paths = {"a/b.txt", "a/b.txt", "a/b.txt"};
  EXPECT_EQ(lt::make_paths_unique(paths), 2u);
  EXPECT_EQ(paths, (Strings{"a/b.txt", "a/b.1.txt", "a/b.2.txt"}));
}

TEST(PathSanitize, RenamingWithoutAnExtension) {
  Strings paths = {"a/noext", "a/noext", ".hidden", ".hidden", "x.tar.gz", "x.tar.gz"};
  EXPECT_EQ(lt::make_paths_unique(paths), 3u);
  EXPECT_EQ(paths,
            (Strings{"a/noext", "a/noext.1", ".hidden", ".hidden.1", "x.tar.gz", "x.tar.1.gz"}));
}

TEST(PathSanitize, FileClashingWithADirectoryIsRenamed) {
  Strings later = {"a", "a/b"};
  EXPECT_EQ(lt::make_paths_unique(later), 1u);
  EXPECT_EQ(later, (Strings{"a.1", "a/b"}));

  Strings earlier = {"a/b", "a"};
  EXPECT_EQ(lt::make_paths_unique(earlier), 1u);
  EXPECT_EQ(earlier, (Strings{"a/b", "a.1"}));

  Strings deep = {"x/y", "x/y/z/w", "x/y", "x"};
  EXPECT_EQ(lt::make_paths_unique(deep), 3u);
  EXPECT_EQ(deep, (Strings{"x/y.1", "x/y/z/w", "x/y.2", "x.1"}));
}

TEST(PathSanitize, GeneratedNamesAvoidExistingNames) {
  // A later original "b.1.txt" keeps its name; the duplicate skips to .2.
  Strings later = {"a/b.txt", "a/b.txt", "a/b.1.txt"};
  EXPECT_EQ(lt::make_paths_unique(later), 1u);
  EXPECT_EQ(later, (Strings{"a/b.txt", "a/b.2.txt", "a/b.1.txt"}));

  Strings earlier = {"b.1.txt", "b.txt", "b.txt"};
  EXPECT_EQ(lt::make_paths_unique(earlier), 1u);
  EXPECT_EQ(earlier, (Strings{"b.1.txt", "b.txt", "b.2.txt"}));

  Strings mixed = {"x", "x.1", "x", "x.2", "x"};
  EXPECT_EQ(lt::make_paths_unique(mixed), 2u);
  EXPECT_EQ(mixed, (Strings{"x", "x.1", "x.3", "x.2", "x.4"}));

  // A generated name must not be a directory either.
  Strings dir = {"a", "a", "a.1/x"};
  EXPECT_EQ(lt::make_paths_unique(dir), 1u);
  EXPECT_EQ(dir, (Strings{"a", "a.2", "a.1/x"}));

  // Duplicates of a name that is itself ".1" get a second number.
  Strings again = {"b.1.txt", "b.1.txt", "b.txt", "b.txt"};
  EXPECT_EQ(lt::make_paths_unique(again), 2u);
  EXPECT_EQ(again, (Strings{"b.1.txt", "b.1.1.txt", "b.txt", "b.2.txt"}));
}

TEST(PathSanitize, LibtorrentCorpusLayouts) {
  // invalid_directory_name.torrent / v2_invalid_filename2.torrent: separators-only elements
  // vanish, so both files land on the same path and the second is renamed.
  Strings paths;
  const std::vector<std::vector<std::string_view>> inputs = {{"/", "foo"}, {"\\", "foo"}};
  for (const auto& elements : inputs) {
    std::string joined;
    for (const std::string& e : lt::sanitize_path(elements)) {
      joined += (joined.empty() ? "" : "/") + e;
    }
    paths.push_back(joined);
  }
  EXPECT_EQ(lt::make_paths_unique(paths), 1u);
  EXPECT_EQ(paths, (Strings{"foo", "foo.1"}));
}

TEST(PathSanitize, RenamingIsDeterministic) {
  const Strings input = {"a", "a/b", "a", "c.d", "c.d", "a.1", "c.1.d", "a/b/c", "a/b"};
  Strings first = input;
  Strings second = input;
  EXPECT_EQ(lt::make_paths_unique(first), lt::make_paths_unique(second));
  EXPECT_EQ(first, second);
  const std::unordered_set<std::string> distinct(first.begin(), first.end());
  EXPECT_EQ(distinct.size(), first.size());
}

TEST(PathSanitize, RenamedLongNamesStayWithinTheLimit) {
  const std::string name = std::string(250, 'n') + ".txt";  // 254 bytes
  Strings paths(12, "dir/" + name);
  EXPECT_EQ(lt::make_paths_unique(paths), 11u);
  const std::unordered_set<std::string> distinct(paths.begin(), paths.end());
  EXPECT_EQ(distinct.size(), paths.size());
  for (const std::string& p : paths) {
    ASSERT_TRUE(p.starts_with("dir/"));
    EXPECT_TRUE(is_safe_element(std::string_view(p).substr(4)));
    EXPECT_TRUE(p.ends_with(".txt"));
  }
  EXPECT_EQ(paths[11], "dir/" + std::string(248, 'n') + ".11.txt");
}

TEST(PathSanitize, ManyDuplicatesAreRefused) {
  // duplicate_files2.torrent: 118 files all named foo/bar.txt.
  Strings paths(118, "foo/bar.txt");
  const Strings before = paths;
  try {
    (void)lt::make_paths_unique(paths);
    FAIL() << "expected std::length_error";
  } catch (const std::length_error& e) {
    EXPECT_STREQ(e.what(), "too many duplicate file names");
  }
  EXPECT_EQ(paths, before);  // refused before changing anything
}

TEST(PathSanitize, FiftyDuplicatesAreFine) {
  Strings paths(50, "foo/bar.txt");
  EXPECT_EQ(lt::make_paths_unique(paths), 49u);
  EXPECT_EQ(paths[0], "foo/bar.txt");
  EXPECT_EQ(paths[1], "foo/bar.1.txt");
  EXPECT_EQ(paths[49], "foo/bar.49.txt");
  const std::unordered_set<std::string> distinct(paths.begin(), paths.end());
  EXPECT_EQ(distinct.size(), paths.size());
}

TEST(PathSanitize, RenameLimitIsInclusive) {
  Strings exactly(101, "x");  // 100 renames
  EXPECT_EQ(lt::make_paths_unique(exactly), 100u);
  Strings one_more(102, "x");
  EXPECT_THROW((void)lt::make_paths_unique(one_more), std::length_error);
  Strings clash = {"a", "a/b"};
  EXPECT_THROW((void)lt::make_paths_unique(clash, 0), std::length_error);
  Strings fine = {"a", "b"};
  EXPECT_EQ(lt::make_paths_unique(fine, 0), 0u);
}

TEST(PathSanitize, LargeInputsStayFast) {
  // Deep paths would be quadratic with one hash per prefix; here each element is hashed once.
  std::string deep;
  for (int i = 0; i < 100000; ++i)
    deep += "d/";
  Strings paths = {deep + "f", deep + "f", deep.substr(0, deep.size() - 1)};
  EXPECT_EQ(lt::make_paths_unique(paths), 2u);
  EXPECT_EQ(paths[1], deep + "f.1");
  EXPECT_EQ(paths[2], deep.substr(0, deep.size() - 1) + ".1");

  // A few duplicates among many existing ".N" names: each candidate is probed once.
  Strings crowded;
  for (int i = 1; i <= 50000; ++i)
    crowded.push_back("x." + std::to_string(i));
  for (int i = 0; i < 100; ++i)
    crowded.emplace_back("x");
  EXPECT_EQ(lt::make_paths_unique(crowded), 99u);
  EXPECT_EQ(crowded.back(), "x.50099");
}

// --- properties -----------------------------------------------------------------------------

// Random bytes with hostile fragments mixed in, so the interesting cases are frequent.
std::string random_input(std::mt19937& rng) {
  static constexpr std::array<std::string_view, 22> kFragments = {"..",
                                                                  "/",
                                                                  "\\",
                                                                  ".",
                                                                  " ",
                                                                  "CON",
                                                                  "com1",
                                                                  ":",
                                                                  "\xC0\xAF",
                                                                  "\xED\xA0\x80",
                                                                  "\xE2\x80\xAE",
                                                                  "\xE2\x80\x8B",
                                                                  "\xEF\xBB\xBF",
                                                                  "\xC2\x85",
                                                                  "\xE6\x97\xA5",
                                                                  "\xF0\x9F\x98\x80",
                                                                  "\xF4\x90\x80",
                                                                  "\x7f",
                                                                  "\0"sv,
                                                                  "a.txt",
                                                                  "\xE6\x97",
                                                                  "nul."};
  std::string s;
  const std::size_t parts = rng() % 24;
  for (std::size_t i = 0; i < parts; ++i) {
    switch (rng() % 4) {
      case 0:
        s.push_back(static_cast<char>(rng() & 0xFF));
        break;
      case 1:
        s.append(kFragments[rng() % kFragments.size()]);
        break;
      case 2:
        s.push_back(static_cast<char>('a' + rng() % 26));
        break;
      default:
        if (rng() % 16 == 0) s.append(250 + rng() % 30, static_cast<char>('a' + rng() % 3));
        break;
    }
  }
  return s;
}

TEST(PathSanitize, PropertyEveryOutputElementIsSafe) {
  std::mt19937 rng(20240611);  // fixed seed: failures must reproduce
  std::vector<std::string> all_paths;
  for (int round = 0; round < 4000; ++round) {
    const std::string input = random_input(rng);
    // Split at random points into elements, as a `path` list would arrive.
    std::vector<std::string_view> elements;
    std::size_t start = 0;
    while (start < input.size()) {
      const std::size_t len = 1 + rng() % (input.size() - start);
      elements.push_back(std::string_view(input).substr(start, len));
      start += len;
    }
    if (rng() % 8 == 0) elements.emplace_back("");

    const Strings out = lt::sanitize_path(elements);
    std::string joined;
    for (const std::string& e : out) {
      ASSERT_TRUE(is_safe_element(e)) << "round " << round;
      joined += (joined.empty() ? "" : "/") + e;
    }
    if (!joined.empty()) all_paths.push_back(joined);
    if (rng() % 4 == 0 && !joined.empty()) all_paths.push_back(joined);  // force duplicates
  }

  // Property of make_paths_unique: distinct results, no file is another's directory, and
  // renamed elements are as safe as sanitised ones.
  const std::size_t renamed = lt::make_paths_unique(all_paths, all_paths.size());
  EXPECT_GT(renamed, 0u);
  std::unordered_set<std::string> files;
  std::unordered_set<std::string> directories;
  for (const std::string& p : all_paths) {
    EXPECT_TRUE(files.insert(p).second) << p;
    for (std::size_t slash = p.find('/'); slash != std::string::npos;
         slash = p.find('/', slash + 1)) {
      directories.insert(p.substr(0, slash));
    }
    const std::size_t last = p.rfind('/');
    EXPECT_TRUE(is_safe_element(last == std::string::npos ? p : p.substr(last + 1)));
  }
  for (const std::string& d : directories)
    EXPECT_EQ(files.count(d), 0u) << d;
}

}  // namespace
