// Modules, parameters and buffers, found by name.
//
// A module is a final class whose stored properties hold its parameters, buffers and child modules.
// `namedParameters()` walks those properties with `Mirror` and joins property names with ".", so a
// property `down` holding an array of blocks gives names like `down.0.res1.block1.conv.weight`, the same
// keys as a PyTorch `state_dict`. A module renames a property through `key(forProperty:)` (for example
// `weightIH` → `weight_ih`) or lists its children itself by overriding `children()`.

/// A trainable tensor. Its `value` is always a leaf of the tape, so gradients can be taken with respect
/// to it; assigning a new value (an optimizer step, a checkpoint load) makes a fresh leaf.
///
/// A parameter is identified by the object, not by its name: two modules holding the same `Parameter`
/// share the weight, and it is listed once.
import ZooTensor

public final class Parameter {
    private var leaf: Tensor

    /// The current value (a tape leaf). Setting it detaches the new value and makes it a new leaf.
    public var value: Tensor {
        get { leaf }
        set { leaf = newValue.detached().requiringGrad() }
    }

    /// A parameter starting at `value`.
    public init(_ value: Tensor) { leaf = value.detached().requiringGrad() }

    /// The value's shape.
    public var shape: [Int] { leaf.shape }
    /// Number of elements.
    public var count: Int { leaf.count }
}

extension Parameter: CustomStringConvertible {
    public var description: String { "Parameter(shape: \(shape))" }
}

/// Non-trainable state that belongs in a checkpoint (BatchNorm running statistics, spectral-norm
/// vectors). Its value never carries a tape node.
public final class Buffer {
    private var stored: Tensor

    /// The current value (detached).
    public var value: Tensor {
        get { stored }
        set { stored = newValue.detached() }
    }

    /// A buffer starting at `value`.
    public init(_ value: Tensor) { stored = value.detached() }

    /// The value's shape.
    public var shape: [Int] { stored.shape }
}

/// One direct child of a module: a parameter, a buffer or a sub-module, under its key.
public enum ModuleChild {
    case parameter(Parameter)
    case buffer(Buffer)
    case module(any Module)
}

/// A neural-network component whose parameters and buffers are found by name.
///
/// Conformers are `final class`es. The default `children()` reflects the stored properties; properties
/// holding `Parameter`, `Buffer`, a `Module`, or optionals, arrays and string-keyed dictionaries of them
/// (nested any number of times) are found. Everything else (configuration, constant tensors) is ignored.
public protocol Module: AnyObject {
    /// The direct children with their keys, in declaration order. Array elements get keys
    /// `property.0`, `property.1`, …; dictionary entries `property.key` (sorted by key).
    func children() -> [(String, ModuleChild)]

    /// The key for the stored property `name` in parameter names, or nil to leave the property out.
    /// The default returns `name` (with Swift's `$__lazy_storage_$_` prefix of lazy properties removed).
    func key(forProperty name: String) -> String?
}

extension Module {
    public func key(forProperty name: String) -> String? { name }

    public func children() -> [(String, ModuleChild)] {
        var out: [(String, ModuleChild)] = []
        var mirrors: [Mirror] = []
        var m: Mirror? = Mirror(reflecting: self)
        while let current = m { mirrors.append(current); m = current.superclassMirror }
        for mirror in mirrors.reversed() {
            for child in mirror.children {
                guard var label = child.label else { continue }
                if label.hasPrefix(lazyPrefix) { label.removeFirst(lazyPrefix.count) }
                guard let key = key(forProperty: label) else { continue }
                collectChildren(child.value, key: key, into: &out)
            }
        }
        return out
    }

    /// Every parameter below this module with its dotted name, each parameter once (the first name
    /// it is reached by), in declaration order.
    public func namedParameters() -> [(String, Parameter)] {
        var out: [(String, Parameter)] = []
        var seen = Set<ObjectIdentifier>()
        walk(prefix: "") { name, child in
            if case .parameter(let p) = child, seen.insert(ObjectIdentifier(p)).inserted { out.append((name, p)) }
        }
        return out
    }

    /// Every buffer below this module with its dotted name.
    public func namedBuffers() -> [(String, Buffer)] {
        var out: [(String, Buffer)] = []
        var seen = Set<ObjectIdentifier>()
        walk(prefix: "") { name, child in
            if case .buffer(let b) = child, seen.insert(ObjectIdentifier(b)).inserted { out.append((name, b)) }
        }
        return out
    }

    /// This module (name "") and every sub-module with its dotted name, each module once.
    public func namedModules() -> [(String, any Module)] {
        var out: [(String, any Module)] = [("", self)]
        walk(prefix: "") { name, child in
            if case .module(let m) = child { out.append((name, m)) }
        }
        return out
    }

    /// The parameters, in the order of `namedParameters()`.
    public var parameters: [Parameter] { namedParameters().map(\.1) }

    /// Total number of trainable scalars.
    public var parameterCount: Int { namedParameters().reduce(0) { $0 + $1.1.count } }

    /// Parameter and buffer values by name (the tensors are shared, not copied; they are values).
    public func stateDict() -> [String: Tensor] {
        var out: [String: Tensor] = [:]
        for (name, p) in namedParameters() { out[name] = p.value.detached() }
        for (name, b) in namedBuffers() { out[name] = b.value }
        return out
    }

    /// Sets parameters and buffers from `values` by name.
    ///
    /// - Parameter strict: when true, every parameter and buffer must be present and no other key may
    ///   appear; when false, missing and unexpected keys are skipped. Shapes must always agree.
    public func loadStateDict(_ values: [String: Tensor], strict: Bool = true) throws {
        let params = namedParameters(), buffers = namedBuffers()
        let known = Set(params.map(\.0) + buffers.map(\.0))
        if strict {
            let missing = known.filter { values[$0] == nil }.sorted()
            let unexpected = values.keys.filter { !known.contains($0) }.sorted()
            if !missing.isEmpty || !unexpected.isEmpty {
                throw ModuleError.keysDiffer(missing: missing, unexpected: unexpected)
            }
        }
        for (name, p) in params {
            guard let v = values[name] else { continue }
            guard v.shape == p.shape else { throw ModuleError.shapeMismatch(key: name, expected: p.shape, got: v.shape) }
        }
        for (name, b) in buffers {
            guard let v = values[name] else { continue }
            guard v.shape == b.shape else { throw ModuleError.shapeMismatch(key: name, expected: b.shape, got: v.shape) }
        }
        for (name, p) in params { if let v = values[name] { p.value = v } }
        for (name, b) in buffers { if let v = values[name] { b.value = v } }
    }

    /// Depth-first walk over every child below this module (modules visited once, so shared modules
    /// and back-references do not repeat or loop).
    private func walk(prefix: String, _ visit: (String, ModuleChild) -> Void) {
        var visited: Set<ObjectIdentifier> = [ObjectIdentifier(self)]
        func recurse(_ module: any Module, _ prefix: String) {
            for (key, child) in module.children() {
                let name = prefix.isEmpty ? key : prefix + "." + key
                if case .module(let m) = child {
                    guard visited.insert(ObjectIdentifier(m)).inserted else { continue }
                    visit(name, child)
                    recurse(m, name)
                } else {
                    visit(name, child)
                }
            }
        }
        recurse(self, prefix)
    }
}

/// Errors from loading named values into a module.
public enum ModuleError: Error, CustomStringConvertible, Equatable {
    case keysDiffer(missing: [String], unexpected: [String])
    case shapeMismatch(key: String, expected: [Int], got: [Int])

    public var description: String {
        switch self {
        case .keysDiffer(let missing, let unexpected):
            return "state keys differ: missing \(missing), unexpected \(unexpected)"
        case .shapeMismatch(let key, let expected, let got):
            return "state entry \(key) has shape \(got), the module expects \(expected)"
        }
    }
}

private let lazyPrefix = "$__lazy_storage_$_"

/// Adds the parameters, buffers and modules found in `value` (a stored property's value) under `key`.
private func collectChildren(_ value: Any, key: String, into out: inout [(String, ModuleChild)]) {
    if let p = value as? Parameter { out.append((key, .parameter(p))); return }
    if let b = value as? Buffer { out.append((key, .buffer(b))); return }
    if let m = value as? any Module { out.append((key, .module(m))); return }
    let mirror = Mirror(reflecting: value)
    switch mirror.displayStyle {
    case .optional:
        if let wrapped = mirror.children.first { collectChildren(wrapped.value, key: key, into: &out) }
    case .collection:
        // Arrays are homogeneous: if the first element holds nothing, none does (skips [Int], [Tensor]).
        guard let first = mirror.children.first, mayHoldChildren(first.value) else { return }
        for (i, element) in mirror.children.enumerated() {
            collectChildren(element.value, key: "\(key).\(i)", into: &out)
        }
    case .dictionary:
        var entries: [(String, Any)] = []
        for pair in mirror.children {
            let parts = Array(Mirror(reflecting: pair.value).children)
            guard parts.count == 2 else { continue }
            entries.append(("\(parts[0].value)", parts[1].value))
        }
        guard let first = entries.first, mayHoldChildren(first.1) else { return }
        for (k, v) in entries.sorted(by: { $0.0 < $1.0 }) { collectChildren(v, key: "\(key).\(k)", into: &out) }
    default:
        return
    }
}

/// Whether a value could contain parameters, buffers or modules.
private func mayHoldChildren(_ value: Any) -> Bool {
    if value is Parameter || value is Buffer || value is any Module { return true }
    switch Mirror(reflecting: value).displayStyle {
    case .optional, .collection, .dictionary: return true
    default: return false
    }
}
