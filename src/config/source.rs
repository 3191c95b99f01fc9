//! Part of stage 1 (load): where each key of the definition sits in its text, so every
//! diagnostic can point at a line and column.

/// Line and column of each field, for pointing diagnostics at the source. Built from a
/// span-preserving parse; when that parse fails the map is empty and diagnostics simply
/// carry no position.
pub(crate) struct SourceMap {
    root: Option<marked_yaml::Node>,
}

impl SourceMap {
    pub(crate) fn new(text: &str) -> Self {
        SourceMap {
            root: marked_yaml::parse_yaml(0, text).ok(),
        }
    }

    /// Position of the value at a dotted path such as `kubernetes.cert_sans[1]`. When
    /// the key is absent (a default applies), points at the nearest enclosing key that
    /// is present, like `kubernetes:`; at the top level there is nothing to point at.
    pub(crate) fn locate(&self, path: &str) -> Option<(usize, usize)> {
        let mut node = self.root.as_ref()?;
        let mut enclosing = None;
        for segment in path.split('.').filter(|s| !s.is_empty()) {
            let (key, index) = match segment.split_once('[') {
                Some((k, rest)) => (k, rest.trim_end_matches(']').parse::<usize>().ok()),
                None => (segment, None),
            };
            let mapping = node.as_mapping()?;
            let Some((key_node, value)) = mapping.iter().find(|(k, _)| k.as_str() == key) else {
                return enclosing;
            };
            enclosing = key_node.span().start().map(|m| (m.line(), m.column()));
            node = value;
            if let Some(i) = index {
                let Some(item) = node.as_sequence().and_then(|s| s.get_node(i)) else {
                    return enclosing;
                };
                node = item;
            }
        }
        position(node).or(enclosing)
    }
}

impl SourceMap {
    /// Position of the key (not the value) at a dotted path, for "unknown key" errors.
    pub(crate) fn locate_key(&self, path: &str) -> Option<(usize, usize)> {
        let (parent, key) = match path.rsplit_once('.') {
            Some((p, k)) => (Some(p), k),
            None => (None, path),
        };
        let root = self.root.as_ref()?;
        let mut node = root;
        if let Some(parent) = parent {
            for segment in parent.split('.') {
                let (key, index) = match segment.split_once('[') {
                    Some((k, rest)) => (k, rest.trim_end_matches(']').parse::<usize>().ok()),
                    None => (segment, None),
                };
                node = node.as_mapping()?.get_node(key)?;
                if let Some(i) = index {
                    node = node.as_sequence()?.get_node(i)?;
                }
            }
        }
        let mapping = node.as_mapping()?;
        mapping
            .keys()
            .find(|k| k.as_str() == key)
            .and_then(|k| k.span().start())
            .map(|m| (m.line(), m.column()))
            .or_else(|| self.locate(path))
    }
}

fn position(node: &marked_yaml::Node) -> Option<(usize, usize)> {
    node.span().start().map(|m| (m.line(), m.column()))
}
