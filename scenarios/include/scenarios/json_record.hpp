// Typed records to and from JSON, each record's fields listed once.
//
// A record type R lists its fields in one function found by argument-dependent lookup:
//
//   constexpr auto json_fields(std::type_identity<AllocatorId>) {
//     return std::tuple{field("name", &AllocatorId::name), field("version",
//     &AllocatorId::version)};
//   }
//
// write() and read() walk that list. A member is a number, a bool, a std::string, an
// nlohmann::json (taken as it is), another record, a std::pair of these (a two-element array), a
// std::vector of one of these, or a std::optional of one: an empty optional is left out of the
// document (or written as null when its field says Empty::null), and may be absent or null on read;
// a vector whose field says Empty::omitted is left out when empty, and read as empty when absent.
// read() checks every field's presence and type and throws RecordError naming the field by its JSON
// pointer
// ("/runs/3/cases/0/peak_live_bytes is missing"), so that a reader of the record needs no lookup
// by string and meets no field it cannot trust.
#pragma once

#include <concepts>
#include <cstdint>
#include <limits>
#include <nlohmann/json.hpp>
#include <optional>
#include <stdexcept>
#include <string>
#include <tuple>
#include <type_traits>
#include <utility>
#include <vector>

namespace scenarios::json_record {

// What an empty member becomes in the document: left out, null (an optional), or written as it is
// (the default of every member but an optional).
enum class Empty { omitted, null, written };

template <class Record, class Member>
struct Field {
  const char* key;
  Member Record::*member;
  Empty empty;
};

template <class T>
struct is_optional : std::false_type {};
template <class T>
struct is_optional<std::optional<T>> : std::true_type {};
template <class T>
struct is_pair : std::false_type {};
template <class A, class B>
struct is_pair<std::pair<A, B>> : std::true_type {};
template <class T>
struct is_vector : std::false_type {};
template <class T, class A>
struct is_vector<std::vector<T, A>> : std::true_type {};

template <class Record, class Member>
constexpr Field<Record, Member> field(const char* key, Member Record::*member,
                                      Empty empty = is_optional<Member>::value ? Empty::omitted
                                                                               : Empty::written) {
  return {key, member, empty};
}

// A field that is missing or has the wrong type; what() is "<JSON pointer> <what is wrong>".
class RecordError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

template <class T>
concept Record = requires {
  json_fields(std::type_identity<T>{});
};

template <class T>
nlohmann::json write(const T& value) {
  if constexpr (Record<T>) {
    nlohmann::json object = nlohmann::json::object();
    std::apply(
        [&](const auto&... fields) {
          (
              [&](const auto& described) {
                const auto& member = value.*described.member;
                using Member = std::remove_cvref_t<decltype(member)>;
                if constexpr (is_optional<Member>::value) {
                  if (member.has_value())
                    object[described.key] = write(*member);
                  else if (described.empty == Empty::null)
                    object[described.key] = nullptr;
                } else if constexpr (is_vector<Member>::value) {
                  if (!member.empty() || described.empty != Empty::omitted)
                    object[described.key] = write(member);
                } else {
                  object[described.key] = write(member);
                }
              }(fields),
              ...);
        },
        json_fields(std::type_identity<T>{}));
    return object;
  } else if constexpr (is_vector<T>::value) {
    nlohmann::json array = nlohmann::json::array();
    for (const auto& element : value) array.push_back(write(element));
    return array;
  } else if constexpr (is_pair<T>::value) {
    return nlohmann::json::array({write(value.first), write(value.second)});
  } else {
    return nlohmann::json(value);
  }
}

namespace detail {

[[noreturn]] inline void fail(const std::string& pointer, const char* what) {
  throw RecordError((pointer.empty() ? std::string("the document") : pointer) + " " + what);
}

}  // namespace detail

template <class T>
void read(const nlohmann::json& json, T& value, const std::string& pointer) {
  if constexpr (Record<T>) {
    if (!json.is_object()) detail::fail(pointer, "must be an object");
    std::apply(
        [&](const auto&... fields) {
          (
              [&](const auto& described) {
                auto& member = value.*described.member;
                using Member = std::remove_cvref_t<decltype(member)>;
                const std::string at = pointer + "/" + described.key;
                const auto found = json.find(described.key);
                if constexpr (is_optional<Member>::value) {
                  if (found == json.end() || found->is_null()) {
                    member.reset();
                  } else {
                    read(*found, member.emplace(), at);
                  }
                } else if (found != json.end()) {
                  read(*found, member, at);
                } else if constexpr (is_vector<Member>::value) {
                  if (described.empty != Empty::omitted) detail::fail(at, "is missing");
                  member.clear();
                } else {
                  detail::fail(at, "is missing");
                }
              }(fields),
              ...);
        },
        json_fields(std::type_identity<T>{}));
  } else if constexpr (is_vector<T>::value) {
    if (!json.is_array()) detail::fail(pointer, "must be an array");
    value.clear();
    value.resize(json.size());
    for (std::size_t i = 0; i < json.size(); ++i)
      read(json[i], value[i], pointer + "/" + std::to_string(i));
  } else if constexpr (is_pair<T>::value) {
    if (!json.is_array() || json.size() != 2) detail::fail(pointer, "must be an array of two");
    read(json[0], value.first, pointer + "/0");
    read(json[1], value.second, pointer + "/1");
  } else if constexpr (std::same_as<T, nlohmann::json>) {
    value = json;
  } else if constexpr (std::same_as<T, std::string>) {
    if (!json.is_string()) detail::fail(pointer, "must be a string");
    value = json.get<std::string>();
  } else if constexpr (std::same_as<T, bool>) {
    if (!json.is_boolean()) detail::fail(pointer, "must be true or false");
    value = json.get<bool>();
  } else if constexpr (std::floating_point<T>) {
    if (!json.is_number()) detail::fail(pointer, "must be a number");
    value = json.get<T>();
  } else if constexpr (std::unsigned_integral<T>) {
    const bool whole =
        json.is_number_unsigned() || (json.is_number_integer() && json.get<std::int64_t>() >= 0);
    if (!whole || json.get<std::uint64_t>() > std::numeric_limits<T>::max())
      detail::fail(pointer, "must be a whole number of at least 0");
    value = json.get<T>();
  } else if constexpr (std::signed_integral<T>) {
    const bool fits =
        json.is_number_unsigned()
            ? json.get<std::uint64_t>() <= static_cast<std::uint64_t>(std::numeric_limits<T>::max())
            : json.is_number_integer() &&
                  json.get<std::int64_t>() >= std::numeric_limits<T>::min() &&
                  json.get<std::int64_t>() <= std::numeric_limits<T>::max();
    if (!fits) detail::fail(pointer, "must be a whole number");
    value = json.get<T>();
  } else {
    static_assert(Record<T>, "a record member of a type json_record cannot read");
  }
}

template <class T>
T read(const nlohmann::json& json, const std::string& pointer = "") {
  T value{};
  read(json, value, pointer);
  return value;
}

}  // namespace scenarios::json_record
