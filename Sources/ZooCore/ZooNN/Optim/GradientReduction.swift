// Gradient averaging for data-parallel training: a hook that `OptimizerGroup.minimize` calls between the
// backward pass and the optimizer's step, and the flat buckets the gradients travel in.

import ZooTensor

/// Combines one optimizer group's gradients across processes before the group's update (data-parallel
/// training sets one on every `OptimizerGroup`; `averageLosses` makes the reported losses global too).
public protocol GradientReducer: AnyObject {
    /// Replaces each non-nil gradient by its average over the processes. Every process passes the same
    /// parameters in the same order, with nil in the same places.
    func reduce(_ gradients: [Tensor?], group: String) -> [Tensor?]
}

/// Gradients packed into flat Float buffers of about `capacity` elements each, in parameter order (a
/// gradient larger than `capacity` gets a bucket of its own), so that a reduction makes a few large calls
/// instead of one per parameter. Nil gradients take no space.
public struct GradientBuckets: Equatable {
    /// One gradient's place: its index in the list, its bucket and its offset in that bucket.
    public struct Slot: Equatable {
        public let index: Int
        public let bucket: Int
        public let offset: Int
        public let count: Int
    }

    /// Where each non-nil gradient goes.
    public let slots: [Slot]
    /// Elements per bucket.
    public let bucketSizes: [Int]

    /// The plan for gradients of `counts` elements (nil: no gradient), buckets of about `capacity` elements.
    public init(counts: [Int?], capacity: Int) {
        require(capacity > 0, "GradientBuckets: capacity must be positive, got \(capacity)")
        var slots: [Slot] = [], sizes: [Int] = []
        for (index, count) in counts.enumerated() {
            guard let count else { continue }
            if sizes.isEmpty || (sizes[sizes.count - 1] > 0 && sizes[sizes.count - 1] + count > capacity) { sizes.append(0) }
            slots.append(Slot(index: index, bucket: sizes.count - 1, offset: sizes[sizes.count - 1], count: count))
            sizes[sizes.count - 1] += count
        }
        self.slots = slots
        self.bucketSizes = sizes
    }

    /// Copies the gradients into fresh buckets.
    public func pack(_ gradients: [Tensor?]) -> [[Float]] {
        var buckets = bucketSizes.map { [Float](repeating: 0, count: $0) }
        for slot in slots {
            guard let g = gradients[slot.index] else { requirementFailed("GradientBuckets: gradient \(slot.index) is nil") }
            require(g.count == slot.count, "GradientBuckets: gradient \(slot.index) has \(g.count) elements, planned \(slot.count)")
            buckets[slot.bucket].withUnsafeMutableBufferPointer { out in
                (out.baseAddress! + slot.offset).update(from: g.storage.pointer, count: slot.count)
            }
        }
        return buckets
    }

    /// The gradients again, from `buckets`, each divided by `divisor` and shaped like the one in `like`.
    public func unpack(_ buckets: [[Float]], like gradients: [Tensor?], divisor: Float = 1) -> [Tensor?] {
        var out = [Tensor?](repeating: nil, count: gradients.count)
        for slot in slots {
            let shape = gradients[slot.index]!.shape
            let storage = TensorStorage(uninitializedCount: slot.count)
            buckets[slot.bucket].withUnsafeBufferPointer { source in
                let from = source.baseAddress! + slot.offset
                for i in 0..<slot.count { storage.pointer[i] = from[i] / divisor }
            }
            out[slot.index] = Tensor(shape: shape, storage: storage)
        }
        return out
    }
}
