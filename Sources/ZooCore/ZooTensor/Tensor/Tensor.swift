// The tensor: a shape, a contiguous Float32 storage, and an optional autodiff tape node.

import CBLAS
import CSupport

/// An n-dimensional Float32 array in row-major order.
///
/// A tensor is a value: ops return new tensors and never change their inputs. A tensor that requires a
/// gradient carries a tape `node`; every op on it records a node whose backward closure is written with
/// tensor ops, so gradients can themselves be differentiated (see `gradients(of:wrt:)`).
public struct Tensor: @unchecked Sendable {
    /// Extent of each axis; `[]` is a scalar.
    public let shape: [Int]
    /// The values, row-major and contiguous.
    public let storage: TensorStorage
    /// The tape record, present when this tensor depends on something that requires a gradient.
    public internal(set) var node: Node?

    /// Wraps `storage` with `shape` (their element counts must agree).
    public init(shape: [Int], storage: TensorStorage) {
        require(shape.reduce(1, *) == storage.count,
                     "shape \(shape) needs \(shape.reduce(1, *)) elements, storage has \(storage.count)")
        self.shape = shape
        self.storage = storage
        self.node = nil
    }

    /// A tensor holding `scalars` in row-major order.
    public init(shape: [Int], scalars: [Float]) {
        require(shape.reduce(1, *) == scalars.count,
                     "shape \(shape) needs \(shape.reduce(1, *)) values, got \(scalars.count)")
        self.init(shape: shape, storage: TensorStorage(scalars))
    }

    /// A 1-D tensor of `scalars`.
    public init(_ scalars: [Float]) { self.init(shape: [scalars.count], scalars: scalars) }

    /// A rank-0 tensor.
    public init(_ scalar: Float) { self.init(shape: [], scalars: [scalar]) }

    /// A tensor filled with `value`.
    public init(repeating value: Float, shape: [Int]) {
        self.init(shape: shape, storage: TensorStorage(count: shape.reduce(1, *), repeating: value))
    }

    /// A tensor of zeros.
    public static func zeros(_ shape: [Int]) -> Tensor { Tensor(repeating: 0, shape: shape) }
    /// A tensor of ones.
    public static func ones(_ shape: [Int]) -> Tensor { Tensor(repeating: 1, shape: shape) }

    /// Uninitialised output storage for kernels, which must write every element.
    @inline(__always) package static func uninitialized(_ shape: [Int]) -> Tensor {
        Tensor(shape: shape, storage: TensorStorage(uninitializedCount: shape.reduce(1, *)))
    }

    /// Number of elements.
    @inline(__always) public var count: Int { storage.count }
    /// Number of axes.
    @inline(__always) public var rank: Int { shape.count }
    /// The values as an array (a copy).
    public var scalars: [Float] { Array(storage.buffer) }
    /// The value of a one-element tensor.
    public var item: Float {
        require(count == 1, "item needs a one-element tensor, shape is \(shape)")
        return storage.pointer[0]
    }

    /// Whether gradients flow back through this tensor.
    public var requiresGrad: Bool { node != nil }

    /// The same values as a new leaf of the tape: gradients can be taken with respect to it.
    public func requiringGrad() -> Tensor {
        var t = Tensor(shape: shape, storage: storage)
        t.node = Node(op: .leaf, inputs: [], backward: nil)
        return t
    }

    /// The same values cut from the tape (no gradient flows through the result).
    public func detached() -> Tensor { Tensor(shape: shape, storage: storage) }

    /// An independent copy of the values (no tape).
    public func copy() -> Tensor {
        let out = Tensor.uninitialized(shape)
        out.storage.pointer.update(from: storage.pointer, count: count)
        return out
    }

    /// Resolves a possibly negative axis against this tensor's rank.
    @inline(__always) public func axis(_ a: Int) -> Int {
        let r = a < 0 ? a + rank : a
        require(r >= 0 && r < rank, "axis \(a) out of range for shape \(shape)")
        return r
    }

    /// Whether every value is finite.
    public var isFinite: Bool {
        let p = storage.pointer
        for i in 0..<count where !p[i].isFinite { return false }
        return true
    }
}

extension Tensor: CustomStringConvertible {
    public var description: String {
        let values = count <= 16 ? "\(scalars)" : "\(Array(scalars.prefix(8))) … (\(count) values)"
        return "Tensor(shape: \(shape), \(values)\(requiresGrad ? ", grad" : ""))"
    }
}

/// Runs `body` without recording tape nodes (for sampling, evaluation and optimizer updates).
@discardableResult
public func noGrad<R>(_ body: () throws -> R) rethrows -> R {
    let previous = zoo_set_grad_recording(0)
    defer { zoo_set_grad_recording(previous) }
    return try body()
}

/// Runs `body` with tape recording switched to `on` on this thread.
@discardableResult
func withGradRecording<R>(_ on: Bool, _ body: () throws -> R) rethrows -> R {
    let previous = zoo_set_grad_recording(on ? 1 : 0)
    defer { zoo_set_grad_recording(previous) }
    return try body()
}

/// Whether ops on this thread currently record tape nodes.
@inline(__always) public var isRecordingGradients: Bool { zoo_grad_recording() != 0 }
