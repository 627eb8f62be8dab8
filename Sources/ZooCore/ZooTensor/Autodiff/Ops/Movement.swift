// Movement primitives: reshape, permute, expand, slice, pad, concat, flip. Each backward is another
// movement op (slice ↔ pad, permute ↔ inverse permute, expand ↔ sum), so they differentiate any number
// of times.

extension Tensor {
    // MARK: - reshape
    // y = x viewed with a new shape (shares storage)    ∂: reshape back
    /// The same values with `newShape`; one entry may be -1 (inferred).
    public func reshaped(_ newShape: [Int]) -> Tensor {
        var s = newShape
        if let i = s.firstIndex(of: -1) {
            let known = s.enumerated().filter { $0.offset != i }.reduce(1) { $0 * $1.element }
            require(known > 0 && count % known == 0, "cannot reshape \(shape) to \(newShape)")
            s[i] = count / known
        }
        if s == shape { return self }
        require(s.reduce(1, *) == count, "cannot reshape \(shape) (\(count) values) to \(newShape)")
        let inShape = shape
        return Tensor(shape: s, storage: storage).recorded(.reshape, [self]) { dy in [dy.reshaped(inShape)] }
    }

    /// Reshape to `[...]`.
    public func reshaped(_ dims: Int...) -> Tensor { reshaped(dims) }

    /// Flattened axes [start...end] into one.
    public func flattened(from start: Int = 0, to end: Int = -1) -> Tensor {
        let s = axis(start), e = axis(end)
        return reshaped(Array(shape[..<s]) + [shape[s...e].reduce(1, *)] + Array(shape[(e + 1)...]))
    }

    /// Inserts a size-1 axis at `axis`.
    public func unsqueezed(_ axis: Int) -> Tensor {
        var s = shape
        s.insert(1, at: axis < 0 ? axis + rank + 1 : axis)
        return reshaped(s)
    }

    /// Removes the size-1 axis `axis`.
    public func squeezed(_ axis: Int) -> Tensor {
        let a = self.axis(axis)
        require(shape[a] == 1, "squeezed(\(axis)): axis has size \(shape[a]) in \(shape)")
        var s = shape
        s.remove(at: a)
        return reshaped(s)
    }

    // MARK: - permute
    // y[i_p0, i_p1, ...] = x[i_0, i_1, ...]    ∂: permute by the inverse
    /// Axes reordered: result axis k is input axis `order[k]`.
    public func permuted(_ order: [Int]) -> Tensor {
        require(order.sorted() == Array(0..<rank), "permuted(\(order)) is not a permutation of \(rank) axes")
        if order == Array(0..<rank) { return self }
        let outShape = order.map { shape[$0] }
        let inStrides = Shape.strides(shape)
        let out = Tensor.uninitialized(outShape)
        Kernels.stridedCopy(shape: outShape, src: storage.pointer, srcOffset: 0, srcStrides: order.map { inStrides[$0] },
                            dst: out.storage.pointer, dstOffset: 0, dstStrides: Shape.strides(outShape))
        var inverse = [Int](repeating: 0, count: rank)
        for (k, a) in order.enumerated() { inverse[a] = k }
        return out.recorded(.permute, [self]) { dy in [dy.permuted(inverse)] }
    }

    /// Axes reordered (variadic form).
    public func permuted(_ order: Int...) -> Tensor { permuted(order) }

    /// Swaps the last two axes.
    public func transposed() -> Tensor {
        var order = Array(0..<rank)
        order.swapAt(rank - 1, rank - 2)
        return permuted(order)
    }

    // MARK: - expand
    // y = x broadcast to `shape`    ∂: sum back to x's shape
    /// A contiguous copy broadcast to `target`.
    public func expanded(to target: [Int]) -> Tensor {
        if target == shape { return self }
        let inShape = shape
        return Kernels.expandCopy(self, to: target).recorded(.expand, [self]) { dy in [dy.sum(toShape: inShape)] }
    }

    // MARK: - slice
    // y = x[r0, r1, ...]    ∂: zero-pad back to x's shape
    /// The sub-tensor `ranges[d]` along each axis d (missing trailing axes are taken whole).
    public func sliced(_ ranges: [Range<Int>]) -> Tensor {
        let rs = (0..<rank).map { d in d < ranges.count ? ranges[d] : 0..<shape[d] }
        for d in 0..<rank {
            require(rs[d].lowerBound >= 0 && rs[d].upperBound <= shape[d],
                         "slice \(rs[d]) out of bounds for axis \(d) of \(shape)")
        }
        let outShape = rs.map(\.count)
        if outShape == shape { return self }
        let strides = Shape.strides(shape)
        let offset = zip(rs, strides).reduce(0) { $0 + $1.0.lowerBound * $1.1 }
        let out = Tensor.uninitialized(outShape)
        Kernels.stridedCopy(shape: outShape, src: storage.pointer, srcOffset: offset, srcStrides: strides,
                            dst: out.storage.pointer, dstOffset: 0, dstStrides: Shape.strides(outShape))
        let widths = (0..<rank).map { (rs[$0].lowerBound, shape[$0] - rs[$0].upperBound) }
        return out.recorded(.slice, [self]) { dy in [dy.padded(widths)] }
    }

    /// The sub-range `range` of one axis.
    public func sliced(axis a: Int, _ range: Range<Int>) -> Tensor {
        let ax = axis(a)
        var rs = shape.map { 0..<$0 }
        rs[ax] = range
        return sliced(rs)
    }

    /// Index `i` of axis `a`, with that axis removed.
    public func selecting(axis a: Int, _ i: Int) -> Tensor { sliced(axis: a, i..<(i + 1)).squeezed(a) }

    // MARK: - pad
    // y = x surrounded by `value`    ∂: slice the interior
    /// Constant padding with (before, after) widths per axis (missing trailing axes are not padded).
    public func padded(_ widths: [(Int, Int)], value: Float = 0) -> Tensor {
        let ws = (0..<rank).map { d in d < widths.count ? widths[d] : (0, 0) }
        if ws.allSatisfy({ $0 == (0, 0) }) { return self }
        let outShape = (0..<rank).map { shape[$0] + ws[$0].0 + ws[$0].1 }
        let out = Tensor(repeating: value, shape: outShape)
        let outStrides = Shape.strides(outShape)
        let offset = zip(ws, outStrides).reduce(0) { $0 + $1.0.0 * $1.1 }
        Kernels.stridedCopy(shape: shape, src: storage.pointer, srcOffset: 0, srcStrides: Shape.strides(shape),
                            dst: out.storage.pointer, dstOffset: offset, dstStrides: outStrides)
        let interior = (0..<rank).map { ws[$0].0..<(ws[$0].0 + shape[$0]) }
        return out.recorded(.pad, [self]) { dy in [dy.sliced(interior)] }
    }

    // MARK: - flip
    // y = x reversed along `axes`    ∂: flip back
    /// Values reversed along `axes`.
    public func flipped(axes: [Int]) -> Tensor {
        let ax = Set(axes.map { axis($0) })
        var strides = Shape.strides(shape)
        var offset = 0
        for a in ax { offset += (shape[a] - 1) * strides[a]; strides[a] = -strides[a] }
        let out = Tensor.uninitialized(shape)
        Kernels.stridedCopy(shape: shape, src: storage.pointer, srcOffset: offset, srcStrides: strides,
                            dst: out.storage.pointer, dstOffset: 0, dstStrides: Shape.strides(shape))
        return out.recorded(.flip, [self]) { dy in [dy.flipped(axes: axes)] }
    }
}

// MARK: - concat
// y = [x0, x1, ...] along an axis    ∂: slice each part back out
/// Tensors joined along `axis` (all other axes must agree).
public func concat(_ tensors: [Tensor], axis a: Int) -> Tensor {
    require(!tensors.isEmpty, "concat needs at least one tensor")
    if tensors.count == 1 { return tensors[0] }
    let first = tensors[0]
    let ax = first.axis(a)
    for t in tensors {
        require(t.rank == first.rank && (0..<first.rank).allSatisfy { $0 == ax || t.shape[$0] == first.shape[$0] },
                     "concat along axis \(a): shapes \(tensors.map(\.shape)) differ off that axis")
    }
    var outShape = first.shape
    outShape[ax] = tensors.reduce(0) { $0 + $1.shape[ax] }
    let out = Tensor.uninitialized(outShape)
    let outStrides = Shape.strides(outShape)
    var start = 0
    var ranges: [Range<Int>] = []
    for t in tensors {
        Kernels.stridedCopy(shape: t.shape, src: t.storage.pointer, srcOffset: 0, srcStrides: Shape.strides(t.shape),
                            dst: out.storage.pointer, dstOffset: start * outStrides[ax], dstStrides: outStrides)
        ranges.append(start..<(start + t.shape[ax]))
        start += t.shape[ax]
    }
    return out.recorded(.concat, tensors) { dy in ranges.map { dy.sliced(axis: ax, $0) } }
}

/// Tensors of one shape stacked along a new axis.
public func stack(_ tensors: [Tensor], axis a: Int = 0) -> Tensor {
    concat(tensors.map { $0.unsqueezed(a) }, axis: a)
}
