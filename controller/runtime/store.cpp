#include "rewind/runtime/store.hpp"

#include <algorithm>
#include <utility>

namespace rwd::runtime {

const char* to_string(EventType type) {
  switch (type) {
    case EventType::kAdded: return "added";
    case EventType::kModified: return "modified";
    case EventType::kDeleted: return "deleted";
  }
  return "unknown";
}

Event Event::upsert(std::string source, model::Object object, std::string origin) {
  Event e;
  e.type = EventType::kModified;
  e.ref = ref_of(object);
  e.source = std::move(source);
  e.origin = std::move(origin);
  e.object = std::make_shared<const model::Object>(std::move(object));
  return e;
}

Event Event::deletion(std::string source, ObjectRef ref) {
  Event e;
  e.type = EventType::kDeleted;
  e.ref = std::move(ref);
  e.source = std::move(source);
  return e;
}

namespace {

std::string describe(const std::string& source, const std::string& origin) {
  return origin.empty() ? source : source + " (" + origin + ")";
}

bool same(const std::shared_ptr<const model::Object>& a,
          const std::shared_ptr<const model::Object>& b) {
  if (a == b) return true;
  return a && b && *a == *b;
}

}  // namespace

std::string Conflict::message() const {
  return std::string(to_string(ref.kind)) + " " + ref.key.str() + " from " +
         describe(source, origin) + " is already defined by " + describe(owner, owner_origin);
}

Event Store::make_event(EventType type, const ObjectRef& ref, const Claim& claim) {
  Event e;
  e.type = type;
  e.ref = ref;
  e.source = claim.source;
  e.origin = claim.origin;
  e.object = claim.object;
  e.version = version_;
  return e;
}

std::optional<Event> Store::upsert_locked(Claim claim, const ObjectRef& ref,
                                          std::optional<Conflict>& conflict) {
  Slot& slot = slots_[ref];
  auto it = std::find_if(slot.claims.begin(), slot.claims.end(),
                         [&](const Claim& c) { return c.source == claim.source; });
  const bool visible = slot.claims.empty() || it == slot.claims.begin();
  if (!visible) {
    const Claim& owner = slot.claims.front();
    conflict = Conflict{ref, claim.source, claim.origin, owner.source, owner.origin};
  }
  if (it != slot.claims.end()) {
    if (same(it->object, claim.object) && it->origin == claim.origin) return std::nullopt;
    *it = std::move(claim);
    if (!visible) return std::nullopt;
    slot.version = ++version_;
    return make_event(EventType::kModified, ref, *it);
  }
  slot.claims.push_back(std::move(claim));
  if (!visible) return std::nullopt;
  slot.version = ++version_;
  return make_event(EventType::kAdded, ref, slot.claims.front());
}

std::optional<Event> Store::erase_locked(std::string_view source, const ObjectRef& ref) {
  auto slot_it = slots_.find(ref);
  if (slot_it == slots_.end()) return std::nullopt;
  auto& claims = slot_it->second.claims;
  auto it = std::find_if(claims.begin(), claims.end(),
                         [&](const Claim& c) { return c.source == source; });
  if (it == claims.end()) return std::nullopt;
  if (it != claims.begin()) {
    claims.erase(it);
    return std::nullopt;
  }
  Claim gone = std::move(*it);
  claims.erase(it);
  ++version_;
  if (claims.empty()) {
    slots_.erase(slot_it);
    return make_event(EventType::kDeleted, ref, gone);
  }
  // The next claim in line becomes visible.
  slot_it->second.version = version_;
  return make_event(EventType::kModified, ref, claims.front());
}

ApplyResult Store::apply(Event event) {
  std::lock_guard write(write_mu_);
  ApplyResult result;
  {
    std::unique_lock lock(mu_);
    if (event.type == EventType::kDeleted) {
      result.event = erase_locked(event.source, event.ref);
    } else if (event.object) {
      Claim claim{std::move(event.source), std::move(event.origin), std::move(event.object)};
      result.event = upsert_locked(std::move(claim), event.ref, result.conflict);
    }
  }
  if (result.event) deliver({*result.event});
  return result;
}

ReplaceResult Store::replace_all(std::string_view source, std::vector<ReplaceItem> items) {
  std::lock_guard write(write_mu_);
  ReplaceResult result;
  {
    std::unique_lock lock(mu_);
    std::map<ObjectRef, ReplaceItem*> wanted;
    for (ReplaceItem& item : items) wanted.emplace(ref_of(item.object), &item);

    std::vector<ObjectRef> gone;
    for (const auto& [ref, slot] : slots_) {
      const bool has = std::any_of(slot.claims.begin(), slot.claims.end(),
                                   [&](const Claim& c) { return c.source == source; });
      if (has && wanted.find(ref) == wanted.end()) gone.push_back(ref);
    }
    for (const ObjectRef& ref : gone) {
      if (auto e = erase_locked(source, ref)) result.events.push_back(std::move(*e));
    }
    for (auto& [ref, item] : wanted) {
      Claim claim{std::string(source), std::move(item->origin),
                  std::make_shared<const model::Object>(std::move(item->object))};
      std::optional<Conflict> conflict;
      if (auto e = upsert_locked(std::move(claim), ref, conflict)) {
        result.events.push_back(std::move(*e));
      }
      if (conflict) result.conflicts.push_back(std::move(*conflict));
    }
  }
  deliver(result.events);
  return result;
}

void Store::deliver(const std::vector<Event>& events) {
  for (const Event& e : events) {
    for (auto& [id, handler] : handlers_) handler(e);
  }
}

std::optional<Entry> Store::get(const ObjectRef& ref) const {
  std::shared_lock lock(mu_);
  auto it = slots_.find(ref);
  if (it == slots_.end()) return std::nullopt;
  const Claim& c = it->second.claims.front();
  return Entry{ref, c.source, c.origin, c.object, it->second.version};
}

std::shared_ptr<const model::Release> Store::get_release(const model::ObjectKey& key) const {
  auto entry = get(ObjectRef{Kind::kRelease, key});
  if (!entry) return nullptr;
  // Aliasing constructor: shares ownership with the stored variant.
  return {entry->object, &std::get<model::Release>(*entry->object)};
}

std::shared_ptr<const model::Rollback> Store::get_rollback(const model::ObjectKey& key) const {
  auto entry = get(ObjectRef{Kind::kRollback, key});
  if (!entry) return nullptr;
  return {entry->object, &std::get<model::Rollback>(*entry->object)};
}

std::vector<Entry> Store::list() const {
  std::shared_lock lock(mu_);
  std::vector<Entry> out;
  out.reserve(slots_.size());
  for (const auto& [ref, slot] : slots_) {
    const Claim& c = slot.claims.front();
    out.push_back(Entry{ref, c.source, c.origin, c.object, slot.version});
  }
  return out;
}

std::vector<Entry> Store::list(Kind kind) const {
  // Refs order by kind first: only that kind's range is walked and copied
  // (a reconcile asks for the few Rollbacks among thousands of Releases).
  std::shared_lock lock(mu_);
  std::vector<Entry> out;
  const ObjectRef first{kind, {}};
  for (auto it = slots_.lower_bound(first); it != slots_.end() && it->first.kind == kind; ++it) {
    const Claim& c = it->second.claims.front();
    out.push_back(Entry{it->first, c.source, c.origin, c.object, it->second.version});
  }
  return out;
}

std::vector<Entry> Store::list_source(std::string_view source) const {
  std::vector<Entry> all = list();
  std::erase_if(all, [&](const Entry& e) { return e.source != source; });
  return all;
}

std::size_t Store::size() const {
  std::shared_lock lock(mu_);
  return slots_.size();
}

std::uint64_t Store::version() const {
  std::shared_lock lock(mu_);
  return version_;
}

std::uint64_t Store::subscribe(Handler handler) {
  std::lock_guard write(write_mu_);
  const std::uint64_t id = next_handler_++;
  handlers_.emplace(id, std::move(handler));
  return id;
}

void Store::unsubscribe(std::uint64_t id) {
  std::lock_guard write(write_mu_);
  handlers_.erase(id);
}

}  // namespace rwd::runtime
