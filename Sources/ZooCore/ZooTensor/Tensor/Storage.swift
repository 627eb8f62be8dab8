// Contiguous Float32 buffers behind tensors.

/// A reference-typed, contiguous Float32 buffer. Tensors share a storage when they are views of the same
/// values (reshape, detach); every op that changes values writes a new storage.
public final class TensorStorage: @unchecked Sendable {
    /// Number of Float elements.
    public let count: Int
    /// The first element. Valid for the storage's lifetime.
    public let pointer: UnsafeMutablePointer<Float>

    /// Allocates `count` uninitialised elements (callers must write every element).
    public init(uninitializedCount count: Int) {
        self.count = count
        pointer = UnsafeMutablePointer<Float>.allocate(capacity: Swift.max(count, 1))
    }

    /// Allocates `count` elements set to `value`.
    public convenience init(count: Int, repeating value: Float) {
        self.init(uninitializedCount: count)
        pointer.update(repeating: value, count: count)
    }

    /// Copies `values`.
    public convenience init(_ values: [Float]) {
        self.init(uninitializedCount: values.count)
        values.withUnsafeBufferPointer { pointer.update(from: $0.baseAddress!, count: values.count) }
    }

    deinit { pointer.deallocate() }

    /// The elements as a buffer.
    @inline(__always) public var buffer: UnsafeMutableBufferPointer<Float> {
        UnsafeMutableBufferPointer(start: pointer, count: count)
    }
}
