#pragma once
// The in-memory cache of desired objects (kube-rs's reflector store). Sources
// write into it; reconcilers read from it, never from a source.
//
// Objects are indexed by ObjectRef (kind + namespace/name). Every stored
// object belongs to the source that wrote it. Two sources may claim the same
// ref: the first claim is visible, later ones wait behind it (and are
// reported as a Conflict); when the visible claim goes, the next one shows.
//
// apply() folds one add/update/delete in. replace_all() swaps in a source's
// complete relist at once and yields the difference as events, so readers
// never see a half-applied relist. A version counter moves on every visible
// change. Handlers see each change in order, on the writer's thread, after
// the store has changed; a handler may read the store but must not write.

#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <vector>

#include "rewind/model/codec.hpp"
#include "rewind/runtime/object_ref.hpp"

namespace rwd::runtime {

enum class EventType { kAdded, kModified, kDeleted };
const char* to_string(EventType type);  // "added" | "modified" | "deleted"

struct Event {
  EventType type = EventType::kAdded;
  ObjectRef ref;
  std::string source;  // who produced it: "directory:/srv/releases", "docker-labels"
  std::string origin;  // where inside the source: a file path, a container; may be empty
  // The object after the change. For kDeleted: the object that went (the
  // store fills it in; null on input is fine).
  std::shared_ptr<const model::Object> object;
  std::uint64_t version = 0;  // the store's version after the change (set by the store)

  // Add or update `object` (apply() decides which of the two it is).
  static Event upsert(std::string source, model::Object object, std::string origin = {});
  static Event deletion(std::string source, ObjectRef ref);
};

struct Entry {
  ObjectRef ref;
  std::string source;
  std::string origin;
  std::shared_ptr<const model::Object> object;
  std::uint64_t version = 0;  // the store's version when this entry last changed
};

// A claim on a ref that another source holds.
struct Conflict {
  ObjectRef ref;
  std::string source;  // the source whose object waits
  std::string origin;
  std::string owner;  // the source whose object is visible
  std::string owner_origin;
  // "Release shop/api from docker-labels (container web-1) is already defined
  //  by directory:/srv/releases (/srv/releases/api.yaml)"
  [[nodiscard]] std::string message() const;
};

struct ApplyResult {
  std::optional<Event> event;        // the visible change; nullopt when there was none
  std::optional<Conflict> conflict;  // set when the object waits behind another source's
};

struct ReplaceItem {
  model::Object object;
  std::string origin;
};

struct ReplaceResult {
  std::vector<Event> events;  // visible changes: adds, modifications, deletions
  std::vector<Conflict> conflicts;
};

class Store {
 public:
  using Handler = std::function<void(const Event&)>;

  Store() = default;
  Store(const Store&) = delete;
  Store& operator=(const Store&) = delete;

  // kAdded and kModified both upsert; kDeleted removes the source's claim. An
  // upsert equal to what the source already has (object and origin) changes
  // nothing and yields no event; so does deleting what is not there.
  ApplyResult apply(Event event);

  // The complete set of `source`'s objects: what it had and is not in
  // `items` is deleted. Later duplicates of a ref inside `items` are
  // ignored (sources report those themselves).
  ReplaceResult replace_all(std::string_view source, std::vector<ReplaceItem> items);

  [[nodiscard]] std::optional<Entry> get(const ObjectRef& ref) const;
  [[nodiscard]] std::shared_ptr<const model::Release> get_release(
      const model::ObjectKey& key) const;
  [[nodiscard]] std::shared_ptr<const model::Rollback> get_rollback(
      const model::ObjectKey& key) const;
  [[nodiscard]] std::vector<Entry> list() const;  // sorted by ref
  [[nodiscard]] std::vector<Entry> list(Kind kind) const;
  [[nodiscard]] std::vector<Entry> list_source(std::string_view source) const;  // visible only
  [[nodiscard]] std::size_t size() const;
  [[nodiscard]] std::uint64_t version() const;

  // Not from inside a handler: both wait for a delivery in progress.
  std::uint64_t subscribe(Handler handler);
  void unsubscribe(std::uint64_t id);

 private:
  struct Claim {
    std::string source;
    std::string origin;
    std::shared_ptr<const model::Object> object;
  };
  struct Slot {
    std::vector<Claim> claims;  // claims.front() is visible
    std::uint64_t version = 0;
  };

  // Under mu_ (exclusive). Return the visible change, if any.
  std::optional<Event> upsert_locked(Claim claim, const ObjectRef& ref,
                                     std::optional<Conflict>& conflict);
  std::optional<Event> erase_locked(std::string_view source, const ObjectRef& ref);
  Event make_event(EventType type, const ObjectRef& ref, const Claim& claim);
  void deliver(const std::vector<Event>& events);

  // One writer at a time, through handler delivery; guards handlers_.
  std::mutex write_mu_;
  std::map<std::uint64_t, Handler> handlers_;
  std::uint64_t next_handler_ = 1;

  mutable std::shared_mutex mu_;  // guards slots_ and version_
  std::map<ObjectRef, Slot> slots_;
  std::uint64_t version_ = 0;
};

}  // namespace rwd::runtime
