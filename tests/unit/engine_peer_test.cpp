// A real Engine on 127.0.0.1 and a raw TCP client playing a hostile peer: after a valid
// handshake, every malformed or abusive message must make the engine drop the connection
// (never crash, hang or corrupt anything), and a well-behaved peer must still be served
// correct data afterwards.

#include <gtest/gtest.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/write.hpp>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <random>
#include <thread>

#include "core/peer_wire.hpp"
#include "core/sha1.hpp"
#include "core/torrent_builder.hpp"
#include "net/engine.hpp"
#include "support/temp_dir.hpp"

namespace lt {
namespace {

namespace asio = boost::asio;
using asio::ip::tcp;
namespace fs = std::filesystem;

constexpr std::int64_t kPieceLength = 32 * 1024;
constexpr std::int64_t kSize = 5 * kPieceLength + 1000;  // 6 pieces, the last one short

class EnginePeerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::mt19937 rng(7);
    data_.resize(static_cast<std::size_t>(kSize));
    for (auto& b : data_)
      b = static_cast<char>(rng());
    std::ofstream(dir_ / "payload.bin", std::ios::binary).write(data_.data(), kSize);
    std::string hashes;
    for (std::int64_t off = 0; off < kSize; off += kPieceLength) {
      const auto n = static_cast<std::size_t>(std::min(kPieceLength, kSize - off));
      hashes +=
          Sha1::digest(std::string_view(data_).substr(static_cast<std::size_t>(off), n)).view();
    }
    const BuiltTorrent built =
        build_torrent("payload.bin", false, {BuildFile{{"payload.bin"}, kSize, false}},
                      kPieceLength, hashes, TorrentOptions{});
    info_hash_ = built.info_hash;

    net::EngineSettings settings;
    settings.listen_port = 0;
    settings.loopback_only = true;
    settings.listen_ipv6 = false;
    engine_ = std::make_unique<net::Engine>(settings, [] {});
    engine::AddTorrent add;
    add.torrent_bytes = built.bytes;
    add.save_dir = dir_.path();
    add.seed_only = true;
    ASSERT_TRUE(engine_->post(std::move(add)));
    // Wait for the listener's port and for the torrent to be seeding.
    bool seeding = false;
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
    while ((port_ == 0 || !seeding) && std::chrono::steady_clock::now() < deadline) {
      std::vector<engine::Event> events;
      engine_->poll(events);
      for (const auto& e : events) {
        if (const auto* l = std::get_if<engine::ListenState>(&e)) port_ = l->port;
        if (const auto* d = std::get_if<engine::StatusDelta>(&e)) {
          for (const auto& s : d->changed)
            seeding = seeding || s.state == TorrentState::seeding;
        }
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    ASSERT_NE(port_, 0);
    ASSERT_TRUE(seeding);
  }

  void TearDown() override {
    engine_.reset();  // before the sandbox goes
  }

  // Connects and exchanges handshakes; the engine's first messages are left unread.
  tcp::socket connect_and_handshake(std::uint8_t id_byte) {
    tcp::socket socket(io_);
    socket.connect(tcp::endpoint(asio::ip::address_v4::loopback(), port_));
    PeerId id{};
    id.fill(id_byte);
    const auto ours = wire::encode_handshake(wire::Handshake::ours(info_hash_, id));
    asio::write(socket, asio::buffer(ours));
    std::array<std::uint8_t, wire::kHandshakeLength> theirs{};
    asio::read(socket, asio::buffer(theirs));
    const auto parsed = wire::decode_handshake(theirs);
    EXPECT_TRUE(parsed.ok());
    if (parsed.ok()) {
      EXPECT_EQ(parsed->info_hash, info_hash_);
    }
    return socket;
  }

  // True when the engine closes the connection within the timeout (reads drain whatever it
  // sent first).
  static bool closed_by_engine(tcp::socket& socket, std::chrono::milliseconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    socket.non_blocking(true);
    std::array<char, 4096> buffer{};
    while (std::chrono::steady_clock::now() < deadline) {
      boost::system::error_code ec;
      socket.read_some(asio::buffer(buffer), ec);
      if (ec == asio::error::would_block) {
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
        continue;
      }
      if (ec) return true;  // EOF or reset
    }
    return false;
  }

  static std::vector<std::uint8_t> frame(std::uint8_t id,
                                         const std::vector<std::uint8_t>& payload) {
    const auto n = static_cast<std::uint32_t>(payload.size() + 1);
    // Built byte by byte: GCC 12 at -O3 warns (array-bounds) on inserting an empty range.
    std::vector<std::uint8_t> out;
    out.reserve(payload.size() + 5);
    out.push_back(static_cast<std::uint8_t>(n >> 24));
    out.push_back(static_cast<std::uint8_t>(n >> 16));
    out.push_back(static_cast<std::uint8_t>(n >> 8));
    out.push_back(static_cast<std::uint8_t>(n));
    out.push_back(id);
    for (const std::uint8_t b : payload)
      out.push_back(b);
    return out;
  }
  static std::vector<std::uint8_t> u32s(std::initializer_list<std::uint32_t> values) {
    std::vector<std::uint8_t> out;
    for (const std::uint32_t v : values) {
      out.push_back(static_cast<std::uint8_t>(v >> 24));
      out.push_back(static_cast<std::uint8_t>(v >> 16));
      out.push_back(static_cast<std::uint8_t>(v >> 8));
      out.push_back(static_cast<std::uint8_t>(v));
    }
    return out;
  }

  // Requests one block as a well-behaved peer and checks the bytes.
  void expect_served_correctly() {
    tcp::socket socket = connect_and_handshake(0x42);
    // As libtorrent, Transmission and aria2 do: the extension handshake before the have-state.
    const std::string ext = "d1:md11:ut_metadatai3ee1:v4:teste";
    std::vector<std::uint8_t> ext_payload{0};
    ext_payload.insert(ext_payload.end(), ext.begin(), ext.end());
    std::vector<std::uint8_t> hello = frame(20, ext_payload);
    for (const auto& m : {frame(15, {}), frame(2, {})}) {  // have-none, interested
      hello.insert(hello.end(), m.begin(), m.end());
    }
    asio::write(socket, asio::buffer(hello));
    // Read messages until unchoked, then request piece 5's (short) block and read it.
    bool requested = false;
    for (int i = 0; i < 64; ++i) {
      std::array<std::uint8_t, 4> len_bytes{};
      asio::read(socket, asio::buffer(len_bytes));
      const std::uint32_t len = (std::uint32_t{len_bytes[0]} << 24) |
                                (std::uint32_t{len_bytes[1]} << 16) |
                                (std::uint32_t{len_bytes[2]} << 8) | len_bytes[3];
      ASSERT_LE(len, wire::kMaxMessageLength);
      std::vector<std::uint8_t> body(len);
      asio::read(socket, asio::buffer(body));
      if (len == 0) continue;
      if (body[0] == 1 && !requested) {  // unchoke
        asio::write(socket, asio::buffer(frame(6, u32s({5, 0, 1000}))));
        requested = true;
      } else if (body[0] == 7) {  // piece
        ASSERT_EQ(body.size(), 9U + 1000U);
        EXPECT_EQ(0, std::memcmp(body.data() + 9, data_.data() + 5 * kPieceLength, 1000));
        return;
      }
    }
    FAIL() << "no piece received";
  }

  test::TempDir dir_{"lt-engine-peer"};
  std::string data_;
  InfoHash info_hash_;
  std::unique_ptr<net::Engine> engine_;
  std::uint16_t port_ = 0;
  asio::io_context io_;
};

TEST_F(EnginePeerTest, ServesAWellBehavedPeer) {
  expect_served_correctly();
}

TEST_F(EnginePeerTest, DropsEveryMalformedOrAbusiveMessage) {
  struct Case {
    const char* what;
    std::vector<std::uint8_t> bytes;
  };
  std::vector<Case> cases = {
      {"length prefix over the cap", u32s({wire::kMaxMessageLength + 1})},
      {"have with a wrong length", frame(4, {0, 0, 0})},
      {"have out of range", frame(4, u32s({6}))},
      {"bitfield of the wrong size", frame(5, {0xFF, 0x00})},
      {"bitfield with spare bits set", frame(5, {0xFF})},
      {"request out of the piece", frame(6, u32s({0, 32 * 1024 - 10, 16 * 1024}))},
      {"request longer than a block", frame(6, u32s({0, 0, 16 * 1024 + 1}))},
      {"request of a piece that does not exist", frame(6, u32s({6, 0, 16 * 1024}))},
      {"unsolicited piece data", frame(7,
                                       [] {
                                         std::vector<std::uint8_t> p = u32s({0, 0});
                                         p.resize(8 + 100, 0xAB);
                                         return p;
                                       }())},
      {"piece data larger than a block", frame(7,
                                               [] {
                                                 std::vector<std::uint8_t> p = u32s({0, 0});
                                                 p.resize(8 + 16 * 1024 + 1, 0xAB);
                                                 return p;
                                               }())},
      {"reject for a block never requested", frame(16, u32s({0, 0, 16 * 1024}))},
      {"garbage extension handshake", frame(20, {0, 'x', 'y', 'z'})},
      {"choke with a payload", frame(0, {1})},
  };
  // A request flood: more queued requests than we advertise (reqq 500) while unchoked.
  {
    std::vector<std::uint8_t> flood = frame(2, {});
    for (int i = 0; i < 2000; ++i) {
      auto r = frame(6, u32s({static_cast<std::uint32_t>(i % 6), 0, 1000}));
      flood.insert(flood.end(), r.begin(), r.end());
    }
    cases.push_back({"request flood", std::move(flood)});
  }
  std::uint8_t id = 1;
  for (const Case& c : cases) {
    SCOPED_TRACE(c.what);
    tcp::socket socket = connect_and_handshake(id++);
    boost::system::error_code ec;
    asio::write(socket, asio::buffer(c.bytes), ec);
    EXPECT_TRUE(closed_by_engine(socket, std::chrono::seconds(5))) << c.what;
  }
  expect_served_correctly();
}

TEST_F(EnginePeerTest, RefusesAWrongInfoHashAndASecondConnectionFromTheSamePeer) {
  {
    tcp::socket socket(io_);
    socket.connect(tcp::endpoint(asio::ip::address_v4::loopback(), port_));
    InfoHash other = info_hash_;
    other.bytes[0] ^= 1;
    const auto hs = wire::encode_handshake(wire::Handshake::ours(other, PeerId{}));
    asio::write(socket, asio::buffer(hs));
    EXPECT_TRUE(closed_by_engine(socket, std::chrono::seconds(5)));
  }
  tcp::socket first = connect_and_handshake(0x77);
  tcp::socket second = connect_and_handshake(0x77);  // same peer id
  EXPECT_TRUE(closed_by_engine(second, std::chrono::seconds(5)));
}

TEST_F(EnginePeerTest, SurvivesRandomBytesAfterTheHandshake) {
  std::mt19937 rng(12345);
  for (int round = 0; round < 40; ++round) {
    tcp::socket socket = connect_and_handshake(static_cast<std::uint8_t>(0x80 + round));
    std::vector<std::uint8_t> junk(1 + rng() % 3000);
    for (auto& b : junk)
      b = static_cast<std::uint8_t>(rng());
    // Half the rounds start with a plausible small length prefix, so the decoder sees
    // random message ids and payloads rather than only oversized prefixes.
    if (round % 2 == 0 && junk.size() > 8) {
      const std::uint32_t n =
          std::min<std::uint32_t>(static_cast<std::uint32_t>(junk.size() - 4), 1 + rng() % 20);
      junk[0] = 0;
      junk[1] = 0;
      junk[2] = static_cast<std::uint8_t>(n >> 8);
      junk[3] = static_cast<std::uint8_t>(n);
    }
    boost::system::error_code ec;
    asio::write(socket, asio::buffer(junk), ec);
    socket.shutdown(tcp::socket::shutdown_send, ec);
    EXPECT_TRUE(closed_by_engine(socket, std::chrono::seconds(5))) << "round " << round;
  }
  expect_served_correctly();
}

}  // namespace
}  // namespace lt
