#include "gui_app.hpp"

#include "app_paths.hpp"
#include "core/human_format.hpp"
#include "core/utf8.hpp"
#include "core/view_model.hpp"
#include "gui/main_view.hpp"
#include "gui/theme.hpp"
#include "net/engine.hpp"
#include "net/local_tracker.hpp"
#include "torrent_file_io.hpp"

#include <imgui.h>
#include <imgui_impl_glfw.h>
#include <imgui_impl_opengl3.h>
#include <spdlog/spdlog.h>
#include <stb_image_write.h>

#if defined(__APPLE__)
#define GL_SILENCE_DEPRECATION
#endif
// GLFW also brings the platform's GL 1.x header: the few GL calls here (clear, viewport, pixel
// read-back) are GL 1.1, exported by every GL library, so no loader is needed for them.
#include <GLFW/glfw3.h>

#include <algorithm>
#include <cstddef>
#include <fstream>
#include <functional>
#include <iostream>
#include <memory>
#include <string>
#include <system_error>
#include <utility>
#include <vector>

namespace lt::app {
namespace {

// Window size in window units at content scale 1; GLFW scales it to the monitor.
constexpr int kWindowWidth = 1280;
constexpr int kWindowHeight = 800;
// Frames drawn after any input: ImGui settles hover, clicks and layout within a few frames.
constexpr int kFramesAfterInput = 3;
// Longest sleep between wake-ups, so live numbers can refresh a few times per second.
constexpr double kLiveRefreshSeconds = 0.25;
// GLSL 1.50 runs on both contexts asked for: 3.3 core, and 3.2 core forward-compatible on macOS.
constexpr const char* kGlslVersion = "#version 150";

int fail(const std::string& what, const std::string& why) {
  std::cerr << "liketorrent: " << what << ": " << why << '\n';
  return 1;
}

// GLFW errors that matter end in a failed call, reported once by its caller; the rest are noise
// at the default log level.
void log_glfw_error(int code, const char* description) {
  spdlog::debug("glfw error {:#x}: {}", code, description);
}

std::string last_glfw_error() {
  const char* description = nullptr;
  glfwGetError(&description);
  return description != nullptr ? description : "unknown GLFW error";
}

// Owns glfwInit() .. glfwTerminate().
class GlfwLibrary {
 public:
  GlfwLibrary() : ok_(glfwInit() == GLFW_TRUE) {}
  ~GlfwLibrary() {
    if (ok_) {
      glfwTerminate();
    }
  }
  GlfwLibrary(const GlfwLibrary&) = delete;
  GlfwLibrary& operator=(const GlfwLibrary&) = delete;

  [[nodiscard]] bool ok() const noexcept { return ok_; }

 private:
  bool ok_;
};

struct WindowDeleter {
  void operator()(GLFWwindow* window) const { glfwDestroyWindow(window); }
};
using WindowPtr = std::unique_ptr<GLFWwindow, WindowDeleter>;

// Owns the ImGui context and its GLFW and OpenGL 3 backends, torn down in reverse order. The
// context saves imgui.ini when destroyed, so the path string lives here as long as it does.
class ImGuiSession {
 public:
  ImGuiSession(GLFWwindow* window, std::string settings_file)
      : settings_file_(std::move(settings_file)) {
    IMGUI_CHECKVERSION();
    ImGui::CreateContext();
    ImGuiIO& io = ImGui::GetIO();
    io.IniFilename = settings_file_.empty() ? nullptr : settings_file_.c_str();
    io.ConfigFlags |= ImGuiConfigFlags_NavEnableKeyboard;
    platform_ = ImGui_ImplGlfw_InitForOpenGL(window, true);
    renderer_ = platform_ && ImGui_ImplOpenGL3_Init(kGlslVersion);
  }
  ~ImGuiSession() {
    if (renderer_) {
      ImGui_ImplOpenGL3_Shutdown();
    }
    if (platform_) {
      ImGui_ImplGlfw_Shutdown();
    }
    ImGui::DestroyContext();
  }
  ImGuiSession(const ImGuiSession&) = delete;
  ImGuiSession& operator=(const ImGuiSession&) = delete;

  [[nodiscard]] bool ok() const noexcept { return renderer_; }

 private:
  std::string settings_file_;
  bool platform_ = false;
  bool renderer_ = false;
};

// What the GLFW callbacks ask of the frame loop; reached through the window's user pointer.
struct FrameDemand {
  int frames_owed = kFramesAfterInput;
  bool rescale_pending = false;
  std::vector<std::string> dropped;  // paths dropped on the window, copied out of GLFW's call
};

FrameDemand& demand_of(GLFWwindow* window) {
  return *static_cast<FrameDemand*>(glfwGetWindowUserPointer(window));
}

void owe_frames(GLFWwindow* window) {
  demand_of(window).frames_owed = kFramesAfterInput;
}

// Every input or window event earns a few frames. Installed before ImGui's backend, which chains
// to these from its own callbacks.
void install_wake_callbacks(GLFWwindow* window, FrameDemand& demand) {
  glfwSetWindowUserPointer(window, &demand);
  glfwSetCursorPosCallback(window, [](GLFWwindow* w, double, double) { owe_frames(w); });
  glfwSetMouseButtonCallback(window, [](GLFWwindow* w, int, int, int) { owe_frames(w); });
  glfwSetScrollCallback(window, [](GLFWwindow* w, double, double) { owe_frames(w); });
  glfwSetKeyCallback(window, [](GLFWwindow* w, int, int, int, int) { owe_frames(w); });
  glfwSetCharCallback(window, [](GLFWwindow* w, unsigned int) { owe_frames(w); });
  glfwSetCursorEnterCallback(window, [](GLFWwindow* w, int) { owe_frames(w); });
  glfwSetWindowFocusCallback(window, [](GLFWwindow* w, int) { owe_frames(w); });
  glfwSetWindowRefreshCallback(window, [](GLFWwindow* w) { owe_frames(w); });
  glfwSetFramebufferSizeCallback(window, [](GLFWwindow* w, int, int) { owe_frames(w); });
  glfwSetDropCallback(window, [](GLFWwindow* w, int count, const char** paths) {
    // GLFW's strings live only during the call.
    for (int i = 0; i < count; ++i)
      demand_of(w).dropped.emplace_back(paths[i]);
    owe_frames(w);
  });
  glfwSetWindowContentScaleCallback(window, [](GLFWwindow* w, float, float) {
    demand_of(w).rescale_pending = true;
    owe_frames(w);
  });
}

// imgui.ini lives in the data dir; without a usable one the layout is simply not saved.
std::string settings_file(const std::filesystem::path& data_dir) {
  if (data_dir.empty()) {
    return {};
  }
  std::error_code ec;
  std::filesystem::create_directories(data_dir, ec);
  if (ec) {
    spdlog::warn("gui: cannot create {}: {}; the window layout will not be saved",
                 path_to_utf8(data_dir), ec.message());
    return {};
  }
  return path_to_utf8(data_dir / "imgui.ini");
}

// A window that would not fit the primary monitor's work area shrinks to it.
void fit_to_work_area(GLFWwindow* window) {
  GLFWmonitor* monitor = glfwGetPrimaryMonitor();
  if (monitor == nullptr) {
    return;
  }
  int area_x = 0;
  int area_y = 0;
  int area_width = 0;
  int area_height = 0;
  glfwGetMonitorWorkarea(monitor, &area_x, &area_y, &area_width, &area_height);
  int width = 0;
  int height = 0;
  glfwGetWindowSize(window, &width, &height);
  if (area_width <= 0 || area_height <= 0) {
    return;
  }
  if (width > area_width || height > area_height) {
    glfwSetWindowSize(window, std::min(width, area_width), std::min(height, area_height));
  }
}

WindowPtr create_window() {
  glfwWindowHint(GLFW_CONTEXT_VERSION_MAJOR, 3);
#if defined(__APPLE__)
  glfwWindowHint(GLFW_CONTEXT_VERSION_MINOR, 2);
  glfwWindowHint(GLFW_OPENGL_FORWARD_COMPAT, GLFW_TRUE);
#else
  glfwWindowHint(GLFW_CONTEXT_VERSION_MINOR, 3);
#endif
  glfwWindowHint(GLFW_OPENGL_PROFILE, GLFW_OPENGL_CORE_PROFILE);
  // Windows and X11 size the window by the monitor's content scale; macOS does it in points.
  glfwWindowHint(GLFW_SCALE_TO_MONITOR, GLFW_TRUE);
  WindowPtr window(glfwCreateWindow(kWindowWidth, kWindowHeight, "Like-Torrent", nullptr, nullptr));
  if (window) {
    fit_to_work_area(window.get());
  }
  return window;
}

// Fonts and style for the window's current monitor. The content scale is split into the part
// the window units already carry (framebuffer density, e.g. Retina) and the part ImGui must
// apply itself (Windows/X11 DPI settings).
void apply_scale(GLFWwindow* window, gui::Theme theme) {
  float content_scale = 1.0F;
  glfwGetWindowContentScale(window, &content_scale, nullptr);
  int window_width = 0;
  int framebuffer_width = 0;
  glfwGetWindowSize(window, &window_width, nullptr);
  glfwGetFramebufferSize(window, &framebuffer_width, nullptr);
  const float density =
      window_width > 0 && framebuffer_width > 0
          ? static_cast<float>(framebuffer_width) / static_cast<float>(window_width)
          : 1.0F;
  const float ui_scale = content_scale / density;
  if (!gui::load_fonts(gui::kBaseFontSize * ui_scale, density)) {
    spdlog::info("gui: no system UI font found; using ImGui's built-in font");
  }
  gui::apply_style(theme, ui_scale);
  spdlog::debug("gui: content scale {}, density {}", content_scale, density);
}

void render_frame(GLFWwindow* window, gui::MainView& view) {
  ImGui_ImplOpenGL3_NewFrame();
  ImGui_ImplGlfw_NewFrame();
  ImGui::NewFrame();
  view.draw();
  ImGui::Render();
  int width = 0;
  int height = 0;
  glfwGetFramebufferSize(window, &width, &height);
  glViewport(0, 0, width, height);
  const ImVec4 background = ImGui::GetStyle().Colors[ImGuiCol_WindowBg];
  glClearColor(background.x, background.y, background.z, 1.0F);
  glClear(GL_COLOR_BUFFER_BIT);
  ImGui_ImplOpenGL3_RenderDrawData(ImGui::GetDrawData());
}

// Writes the frame just rendered (still in the back buffer) as a PNG.
bool write_screenshot(GLFWwindow* window, const std::filesystem::path& path) {
  int width = 0;
  int height = 0;
  glfwGetFramebufferSize(window, &width, &height);
  if (width <= 0 || height <= 0) {
    fail("cannot write screenshot " + path_to_utf8(path), "the window has no pixels");
    return false;
  }
  const auto row_bytes = static_cast<std::size_t>(width) * 3;
  std::vector<unsigned char> pixels(row_bytes * static_cast<std::size_t>(height));
  glPixelStorei(GL_PACK_ALIGNMENT, 1);
  glReadBuffer(GL_BACK);
  glReadPixels(0, 0, width, height, GL_RGB, GL_UNSIGNED_BYTE, pixels.data());
  // OpenGL's first row is the bottom one, PNG's the top one.
  for (std::size_t top = 0, bottom = static_cast<std::size_t>(height) - 1; top < bottom;
       ++top, --bottom) {
    std::swap_ranges(pixels.begin() + static_cast<std::ptrdiff_t>(top * row_bytes),
                     pixels.begin() + static_cast<std::ptrdiff_t>((top + 1) * row_bytes),
                     pixels.begin() + static_cast<std::ptrdiff_t>(bottom * row_bytes));
  }
  // Written through a stream so that non-ASCII paths work on Windows too.
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  const auto sink = [](void* context, void* data, int size) {
    static_cast<std::ofstream*>(context)->write(static_cast<const char*>(data), size);
  };
  const bool encoded = out && stbi_write_png_to_func(sink, &out, width, height, 3, pixels.data(),
                                                     static_cast<int>(row_bytes)) != 0;
  out.close();
  if (!encoded || out.fail()) {
    fail("cannot write screenshot " + path_to_utf8(path), "the file cannot be written");
    return false;
  }
  spdlog::info("gui: screenshot {}x{} written to {}", width, height, path_to_utf8(path));
  return true;
}

// Seconds to sleep when no frame is owed: the live-refresh tick, or less when the screenshot
// falls due sooner. GLFW needs a positive timeout.
double wait_seconds(const GuiOptions& options, double running) {
  if (!options.screenshot) {
    return kLiveRefreshSeconds;
  }
  return std::clamp(options.screenshot_after - running, 0.001, kLiveRefreshSeconds);
}

// The engine's side of the loop: moves its events into the model, redraws when something
// changed, answers a dropped-events resync, and keeps the title's total rates current.
struct EngineLink {
  net::Engine& engine;
  ViewModel& model;
  net::LocalTracker& tracker;
  gui::MainView* view = nullptr;
  std::string tracker_error;
  std::function<void(const std::filesystem::path&)> add_dropped;
  std::vector<engine::Event> events;
  std::string title;

  void pump(GLFWwindow* window, FrameDemand& demand) {
    gui::LocalTrackerView state;
    state.error = tracker_error;
    if (const auto status = tracker.status()) {
      state.running = true;
      state.port = status->port;
      state.swarms = status->swarms;
      state.peers = status->peers;
      state.seeders = status->seeders;
      state.leechers = status->leechers;
      state.announces_per_second = status->announces_per_second;
    } else if (tracker.running()) {
      state.running = true;  // started, first numbers within a second
    }
    if (view != nullptr) view->set_tracker(std::move(state));
    for (const std::string& path : std::exchange(demand.dropped, {}))
      if (add_dropped) add_dropped(std::filesystem::u8path(path));
    events.clear();
    engine.poll(events);
    if (events.empty()) return;
    for (const engine::Event& event : events)
      model.apply(event, glfwGetTime());
    if (model.take_resync_request()) engine.post(engine::Select{model.selected()});
    demand.frames_owed = std::max(demand.frames_owed, kFramesAfterInput);
    const double down = model.total_down_rate();
    const double up = model.total_up_rate();
    std::string next = "Like-Torrent";
    if (down >= 1 || up >= 1) {
      next += " - D " + format_bytes(static_cast<std::int64_t>(down)) + "/s U " +
              format_bytes(static_cast<std::int64_t>(up)) + "/s";
    }
    if (next != title) {
      title = next;
      glfwSetWindowTitle(window, title.c_str());
    }
  }
};

// Runs frames until the window closes, the view asks to quit or the screenshot is taken.
int run_frames(GLFWwindow* window, FrameDemand& demand, gui::MainView& view, EngineLink& link,
               const GuiOptions& options) {
  const double started = glfwGetTime();
  int frames_drawn = 0;
  while (glfwWindowShouldClose(window) == GLFW_FALSE && !view.quit_requested()) {
    // 1. Poll while input still owes frames; otherwise sleep until input or the next tick.
    const bool minimised = glfwGetWindowAttrib(window, GLFW_ICONIFIED) == GLFW_TRUE;
    if (demand.frames_owed > 0 && !minimised) {
      glfwPollEvents();
    } else {
      glfwWaitEventsTimeout(wait_seconds(options, glfwGetTime() - started));
    }

    link.pump(window, demand);

    // 2. Follow the window to a monitor with another content scale.
    if (demand.rescale_pending) {
      demand.rescale_pending = false;
      ImGui_ImplOpenGL3_DestroyFontsTexture();
      apply_scale(window, view.theme());
      ImGui_ImplOpenGL3_CreateFontsTexture();
    }

    // 3. Draw only when owed a frame or when the screenshot is due (after a settled layout).
    const bool screenshot_due = options.screenshot.has_value() &&
                                glfwGetTime() - started >= options.screenshot_after &&
                                frames_drawn >= kFramesAfterInput;
    if (minimised || (demand.frames_owed == 0 && !screenshot_due)) {
      continue;
    }
    render_frame(window, view);
    ++frames_drawn;
    demand.frames_owed = std::max(0, demand.frames_owed - 1);

    // 4. The screenshot reads the frame before it is presented, and ends the run.
    if (screenshot_due) {
      return write_screenshot(window, *options.screenshot) ? 0 : 1;
    }
    glfwSwapBuffers(window);
  }
  return 0;
}

}  // namespace

int run_gui(const GuiOptions& options) {
  // 1. Read the torrents given on the command line first: a bad file is bad input (exit 2)
  //    before any window opens.
  std::vector<engine::AddTorrent> adds;
  for (const std::string& input : options.inputs) {
    if (input.starts_with("magnet:")) {
      spdlog::warn("gui: magnet links arrive with the magnet issue; ignoring {}", input);
      continue;
    }
    LoadedTorrent loaded = load_torrent_file_with_bytes(input);  // UsageError on bad input
    engine::AddTorrent add;
    add.torrent_bytes = std::move(loaded.bytes);
    add.save_dir = default_download_dir();
    adds.push_back(std::move(add));
  }

  // 2. Start GLFW and open the window with an OpenGL 3 core context, synced to the display.
  glfwSetErrorCallback(log_glfw_error);
  const GlfwLibrary glfw;
  if (!glfw.ok()) {
    return fail("cannot open a window", last_glfw_error());
  }
  FrameDemand demand;
  const WindowPtr window = create_window();
  if (!window) {
    return fail("cannot open a window", last_glfw_error());
  }
  glfwMakeContextCurrent(window.get());
  glfwSwapInterval(1);
  install_wake_callbacks(window.get(), demand);

  // 3. ImGui with its backends, the settings file, and fonts and style for this monitor.
  const ImGuiSession imgui(window.get(), settings_file(options.data_dir));
  if (!imgui.ok()) {
    return fail("cannot open a window", "OpenGL 3 is not available");
  }
  // 4. The engine on its own thread, with the database in the data dir (the daemon's too), its
  //    stored torrents restored; it wakes the loop with glfwPostEmptyEvent (thread-safe).
  net::EngineSettings settings;
  settings.listen_port = static_cast<std::uint16_t>(options.port);
  if (!options.data_dir.empty()) settings.db_path = options.data_dir / "client.db";
  settings.restore_torrents = true;
  net::Engine engine(settings, [] { glfwPostEmptyEvent(); });
  for (engine::AddTorrent& add : adds)
    engine.post(std::move(add));
  ViewModel model;
  net::LocalTracker tracker;
  EngineLink link{engine, model, tracker, nullptr, {}, {}, {}, {}};
  gui::MainView view(model, [&engine](engine::Command command) {
    if (!engine.post(std::move(command))) spdlog::warn("gui: the engine's queue is full");
  });
  if (!options.view.empty()) view.show_first_torrent(options.view);
  // Tracker > Start: the same TrackerServer as `liketorrent tracker`, its database in the data
  // dir, on its own thread.
  const auto toggle_tracker = [&](bool start) {
    link.tracker_error.clear();
    if (!start) {
      tracker.stop();
      return;
    }
    net::TrackerOptions tracker_options;
    tracker_options.http.port = static_cast<std::uint16_t>(options.tracker_port);
    if (!options.data_dir.empty()) tracker_options.db_path = options.data_dir / "tracker.db";
    try {
      tracker.start(tracker_options);
    } catch (const std::exception& e) {
      link.tracker_error = std::string("cannot start the tracker: ") + e.what();
      spdlog::warn("gui: {}", link.tracker_error);
    }
  };
  view.set_tracker_toggle(toggle_tracker);
  // File > Add torrent and drops: read here (a bad file becomes a notification, not a crash),
  // then posted like a command-line torrent.
  const auto add_file = [&](const std::filesystem::path& file, const std::filesystem::path& save,
                            bool paused) {
    try {
      LoadedTorrent loaded = load_torrent_file_with_bytes(file);
      engine::AddTorrent add;
      add.torrent_bytes = std::move(loaded.bytes);
      add.save_dir = save.empty() ? default_download_dir() : save;
      add.paused = paused;
      engine.post(std::move(add));
    } catch (const std::exception& e) {
      model.notify(e.what(), true, glfwGetTime());
    }
  };
  view.set_add_file(add_file, default_download_dir());
  link.add_dropped = [&](const std::filesystem::path& file) {
    add_file(file, default_download_dir(), false);
  };
  link.view = &view;
  if (options.start_tracker) toggle_tracker(true);
  apply_scale(window.get(), view.theme());

  // 5. Render on demand until closed, quit or screenshot; then stop the engine (bounded: it
  //    announces `stopped` and records every torrent).
  const int code = run_frames(window.get(), demand, view, link, options);
  engine.shutdown();
  tracker.stop();
  return code;
}

}  // namespace lt::app
