//! Members of an object the model does not know, kept to be written back.
//!
//! Every struct of the model has an `unknown_members` field. Reading keeps
//! there, verbatim, each member whose name is not one of the struct's known
//! (wire) names; writing puts them back in the same object, after the known
//! members. So a record with members a later API version added survives a
//! read and a write: nothing is lost.
//!
//! How: each struct's `Deserialize` is serde's derive (of a private mirror
//! with `#[serde(remote = ...)]`, see [`model_struct`]) over a thin wrapper
//! of the deserializer ([`Capture`]). The wrapper sees the derive's list of known
//! names, and where the derive would skip a member (`IgnoredAny`) it keeps
//! the member's text as a [`RawValue`] instead. Everything else, member by
//! member, is the derive's own code: the same errors, the same duplicate
//! check, the same array form. `#[serde(flatten)]`, the usual way to collect
//! unknown members, would buffer every member of every object (and then
//! read no array form); this wrapper buffers only the unknown ones.
//!
//! Cost, in instructions (cachegrind, `examples/decode_n.rs`, one 100-build
//! response of the sample archive): reading known members only takes ~10%
//! more than when unknown members were skipped (22.3 M -> 24.3 M as saved,
//! 19.1 M -> 21.1 M compact); with two unknown members in every build and
//! phase, keeping them costs 28.4 M against 21.6 M for skipping them. The
//! loader's column decoder does not use this path (only for the rare
//! records it hands to the typed model).
//!
//! A [`RawValue`] is delimited without recursion, as `IgnoredAny` skips, so
//! an unknown member nested arbitrarily deep is kept where it was accepted
//! before. Its text must be UTF-8 (JSON text always is; `from_slice` of
//! bytes that are not is refused inside an unknown member too, where it used
//! to be skipped).

use std::fmt;

use serde::de::{self, DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};
use serde::ser::{SerializeMap, Serializer};
use serde_json::value::RawValue;

/// The members of one JSON object that the model does not know, in the
/// order they were read, each kept as its JSON text.
///
/// Written back after the object's known members. A name given twice keeps
/// its last value (as `serde_json::Value` does) at its first position.
///
/// Two sets are equal when they have the same names with equal values, in
/// any order; values are equal when their texts are, or else when they are
/// equal as `serde_json::Value`s (`{"a": 1}` equals `{"a":1}`; a value
/// nested deeper than `serde_json`'s recursion limit only equals its own
/// text).
///
/// Put only names the object does not know: a known name here would be
/// written twice. Reading never does.
///
/// ```
/// use codebuild_model::Build;
///
/// let text = r#"{"id":"p:1","phases":[{"phaseType":"BUILD","attempt":2}],"buildMode":"FAST"}"#;
/// let build: Build = codebuild_model::from_str(text)?;
/// assert_eq!(build.unknown_members.get("buildMode").unwrap().get(), r#""FAST""#);
/// assert_eq!(build.phases()[0].unknown_members.len(), 1);
/// assert_eq!(serde_json::to_string(&build).unwrap(), text);
/// # Ok::<(), codebuild_model::Error>(())
/// ```
#[derive(Clone, Debug, Default)]
pub struct UnknownMembers(Vec<(String, Box<RawValue>)>);

impl UnknownMembers {
    /// No members.
    pub const fn new() -> Self {
        UnknownMembers(Vec::new())
    }

    /// `true` when the object had no member the model does not know.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The number of members.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// The JSON text of member `name`, if kept.
    pub fn get(&self, name: &str) -> Option<&RawValue> {
        self.0.iter().find(|(n, _)| n == name).map(|(_, v)| &**v)
    }

    /// The members, in the order they were read.
    pub fn iter(&self) -> impl ExactSizeIterator<Item = (&str, &RawValue)> {
        self.0.iter().map(|(n, v)| (n.as_str(), &**v))
    }

    /// The members' names, in the order they were read.
    pub fn names(&self) -> impl ExactSizeIterator<Item = &str> {
        self.0.iter().map(|(n, _)| n.as_str())
    }

    /// Sets member `name` (in place when present, else last); returns the
    /// value it replaced.
    pub fn insert(
        &mut self,
        name: impl Into<String>,
        value: Box<RawValue>,
    ) -> Option<Box<RawValue>> {
        let name = name.into();
        match self.0.iter_mut().find(|(n, _)| *n == name) {
            Some((_, old)) => Some(std::mem::replace(old, value)),
            None => {
                self.0.push((name, value));
                None
            }
        }
    }

    /// Removes member `name`; returns its value.
    pub fn remove(&mut self, name: &str) -> Option<Box<RawValue>> {
        let at = self.0.iter().position(|(n, _)| n == name)?;
        Some(self.0.remove(at).1)
    }

    /// Removes every member.
    pub fn clear(&mut self) {
        self.0.clear();
    }
}

/// Equal as JSON values: the same text, or the same `serde_json::Value`.
fn same_json(a: &RawValue, b: &RawValue) -> bool {
    if a.get() == b.get() {
        return true;
    }
    let value = |r: &RawValue| serde_json::from_str::<serde_json::Value>(r.get()).ok();
    match (value(a), value(b)) {
        (Some(a), Some(b)) => a == b,
        _ => false,
    }
}

impl PartialEq for UnknownMembers {
    fn eq(&self, other: &Self) -> bool {
        self.len() == other.len()
            && self
                .iter()
                .all(|(n, v)| other.get(n).is_some_and(|w| same_json(v, w)))
    }
}

impl Eq for UnknownMembers {}

impl FromIterator<(String, Box<RawValue>)> for UnknownMembers {
    fn from_iter<I: IntoIterator<Item = (String, Box<RawValue>)>>(iter: I) -> Self {
        let mut out = UnknownMembers::new();
        for (n, v) in iter {
            out.insert(n, v);
        }
        out
    }
}

impl<'a> IntoIterator for &'a UnknownMembers {
    type Item = (&'a str, &'a RawValue);
    type IntoIter = Box<dyn ExactSizeIterator<Item = (&'a str, &'a RawValue)> + 'a>;
    fn into_iter(self) -> Self::IntoIter {
        Box::new(self.iter())
    }
}

/// As a JSON object of the members (flattened into their object by the
/// structs' `Serialize`).
impl serde::Serialize for UnknownMembers {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(Some(self.0.len()))?;
        for (n, v) in &self.0 {
            map.serialize_entry(n, v)?;
        }
        map.end()
    }
}

/// Removing the unknown members of an object and of every object in it.
pub(crate) trait ClearUnknown {
    fn clear_unknown(&mut self);
}

impl<T: ClearUnknown> ClearUnknown for Option<T> {
    fn clear_unknown(&mut self) {
        if let Some(t) = self {
            t.clear_unknown();
        }
    }
}

impl<T: ClearUnknown> ClearUnknown for Vec<T> {
    fn clear_unknown(&mut self) {
        for t in self {
            t.clear_unknown();
        }
    }
}

/// A deserializer that hands `deserialize_struct` to the wrapped one with a
/// visitor keeping the members not in `fields` in `out`. Only the derive of
/// a model struct calls it, and only `deserialize_struct`.
pub(crate) struct Capture<'u, D> {
    de: D,
    out: &'u mut UnknownMembers,
}

impl<'u, D> Capture<'u, D> {
    pub(crate) fn new(de: D, out: &'u mut UnknownMembers) -> Self {
        Capture { de, out }
    }
}

impl<'de, D: Deserializer<'de>> Deserializer<'de> for Capture<'_, D> {
    type Error = D::Error;

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        name: &'static str,
        fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, D::Error> {
        self.de.deserialize_struct(
            name,
            fields,
            StructVisitor {
                visitor,
                fields,
                out: self.out,
            },
        )
    }

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, D::Error> {
        self.de.deserialize_any(visitor)
    }

    fn is_human_readable(&self) -> bool {
        self.de.is_human_readable()
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string
        bytes byte_buf option unit unit_struct newtype_struct seq tuple
        tuple_struct map enum identifier ignored_any
    }
}

/// The derive's visitor, with its map access wrapped.
struct StructVisitor<'u, V> {
    visitor: V,
    fields: &'static [&'static str],
    out: &'u mut UnknownMembers,
}

impl<'de, V: Visitor<'de>> Visitor<'de> for StructVisitor<'_, V> {
    type Value = V::Value;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.visitor.expecting(f)
    }

    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<V::Value, A::Error> {
        self.visitor.visit_map(Members {
            map,
            fields: self.fields,
            out: self.out,
            unknown: None,
            hint: 0,
        })
    }

    /// The array form has no names: nothing to keep.
    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<V::Value, A::Error> {
        self.visitor.visit_seq(seq)
    }
}

/// The object's members: known ones go to the derive as they are; the value
/// of an unknown one is kept, and the derive gets a unit to skip.
struct Members<'u, A> {
    map: A,
    fields: &'static [&'static str],
    out: &'u mut UnknownMembers,
    /// The name of the member whose value comes next, when unknown.
    unknown: Option<String>,
    /// Where in `fields` the next name probably is: members usually come
    /// in the model's order (the API's), so a name is mostly found at once.
    hint: usize,
}

impl<'de, A: MapAccess<'de>> MapAccess<'de> for Members<'_, A> {
    type Error = A::Error;

    fn next_key_seed<K: DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, A::Error> {
        self.map.next_key_seed(Key {
            seed,
            fields: self.fields,
            unknown: &mut self.unknown,
            hint: &mut self.hint,
        })
    }

    fn next_value_seed<V: DeserializeSeed<'de>>(&mut self, seed: V) -> Result<V::Value, A::Error> {
        match self.unknown.take() {
            None => self.map.next_value_seed(seed),
            Some(name) => {
                let value: Box<RawValue> = self.map.next_value()?;
                self.out.insert(name, value);
                seed.deserialize(de::value::UnitDeserializer::new())
            }
        }
    }

    fn size_hint(&self) -> Option<usize> {
        self.map.size_hint()
    }
}

/// A member name: checked against the known names, then handed to the
/// derive's own name seed (no copy unless unknown).
struct Key<'k, K> {
    seed: K,
    fields: &'static [&'static str],
    unknown: &'k mut Option<String>,
    hint: &'k mut usize,
}

impl<'de, K: DeserializeSeed<'de>> DeserializeSeed<'de> for Key<'_, K> {
    type Value = K::Value;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<K::Value, D::Error> {
        d.deserialize_str(self)
    }
}

impl<'de, K: DeserializeSeed<'de>> Key<'_, K> {
    fn note(&mut self, name: &str) {
        let at = match self.fields.get(*self.hint) {
            Some(f) if *f == name => Some(*self.hint),
            _ => self.fields.iter().position(|f| *f == name),
        };
        match at {
            Some(i) => {
                *self.hint = i + 1;
                *self.unknown = None;
            }
            None => *self.unknown = Some(name.to_owned()),
        }
    }
}

impl<'de, K: DeserializeSeed<'de>> Visitor<'de> for Key<'_, K> {
    type Value = K::Value;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a member name")
    }

    fn visit_borrowed_str<E: de::Error>(mut self, name: &'de str) -> Result<K::Value, E> {
        self.note(name);
        self.seed
            .deserialize(de::value::BorrowedStrDeserializer::new(name))
    }

    fn visit_str<E: de::Error>(mut self, name: &str) -> Result<K::Value, E> {
        self.note(name);
        self.seed.deserialize(de::value::StrDeserializer::new(name))
    }
}

/// Defines a model struct that keeps its unknown members: the struct as
/// written plus `unknown_members`, its JSON Schema (schemars' derive, which
/// skips that field), and `Serialize` / `Deserialize` around serde's derive
/// of a private mirror (`#[serde(remote = ...)]`, in module `$serde_mod`, so
/// the derived functions are not public API); `nested` lists the members
/// holding model structs, for `clear_unknown_members`.
///
/// A field attribute only for the schema is written `@schemars(...)` after
/// the field's other attributes (the mirror has no schema).
macro_rules! model_struct {
    (
        $(#[$attr:meta])*
        pub struct $name:ident($serde_mod:ident, $remote:literal) {
            $(
                $(#[$fattr:meta])*
                $(@schemars($($sattr:tt)*))?
                pub $field:ident: $ty:ty,
            )*
        }
        nested { $($child:ident),* $(,)? }
    ) => {
        #[serde_with::skip_serializing_none]
        $(#[$attr])*
        pub struct $name {
            $(
                $(#[$fattr])*
                $(#[schemars($($sattr)*)])?
                pub $field: $ty,
            )*
            /// Members the model does not know, kept as read and written back
            /// after the known ones (never in the JSON Schema).
            #[serde(flatten, skip_deserializing)]
            #[schemars(skip)]
            pub unknown_members: $crate::UnknownMembers,
        }

        mod $serde_mod {
            #[allow(unused_imports)]
            use super::*;

            /// serde's derive of the model struct, member by member; the
            /// unknown members are flattened in when writing and kept by
            /// [`crate::unknown::Capture`] when reading.
            #[serde_with::skip_serializing_none]
            #[derive(serde::Serialize, serde::Deserialize)]
            #[serde(rename_all = "camelCase", remote = $remote)]
            #[allow(dead_code)]
            pub(super) struct $name {
                $(
                    $(#[$fattr])*
                    $field: $ty,
                )*
                #[serde(flatten, skip_deserializing)]
                unknown_members: $crate::UnknownMembers,
            }
        }

        impl serde::Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                $serde_mod::$name::serialize(self, serializer)
            }
        }

        impl<'de> serde::Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                let mut unknown = $crate::UnknownMembers::new();
                let mut value = $serde_mod::$name::deserialize($crate::unknown::Capture::new(
                    deserializer,
                    &mut unknown,
                ))?;
                value.unknown_members = unknown;
                Ok(value)
            }
        }

        impl $crate::unknown::ClearUnknown for $name {
            fn clear_unknown(&mut self) {
                self.unknown_members.clear();
                $( $crate::unknown::ClearUnknown::clear_unknown(&mut self.$child); )*
            }
        }

        impl $name {
            /// Removes the members the model does not know, here and in
            /// every object nested in this one: what is left is what the
            /// model describes (and its schema accepts, given known values).
            pub fn clear_unknown_members(&mut self) {
                $crate::unknown::ClearUnknown::clear_unknown(self);
            }
        }
    };
}
pub(crate) use model_struct;
