// Reductions over axes: sum and max primitives; mean and variance composed from them.

extension Tensor {
    /// Normalised, sorted, unique axes (negative axes count from the end; empty = all axes).
    func reductionAxes(_ axes: [Int]) -> [Int] {
        axes.isEmpty ? Array(0..<rank) : Array(Set(axes.map { axis($0) })).sorted()
    }

    /// Shape with `axes` set to 1.
    func keptShape(_ axes: [Int]) -> [Int] {
        var s = shape
        for a in axes { s[a] = 1 }
        return s
    }

    /// Reduces one contiguous block of axes [first...last] with `kernel`; other axes stay.
    private func reduceBlock(_ first: Int, _ last: Int,
                             _ kernel: (UnsafePointer<Float>, Int, Int, Int, UnsafeMutablePointer<Float>) -> Void) -> Tensor {
        let outer = shape[..<first].reduce(1, *)
        let r = shape[first...last].reduce(1, *)
        let inner = shape[(last + 1)...].reduce(1, *)
        var outShape = shape
        for a in first...last { outShape[a] = 1 }
        let out = Tensor.uninitialized(outShape)
        kernel(storage.pointer, outer, r, inner, out.storage.pointer)
        return out
    }

    /// Values reduced over `axes` (kept as size 1), contiguous runs of axes in one pass.
    private func reduceValues(_ axes: [Int],
                              _ kernel: (UnsafePointer<Float>, Int, Int, Int, UnsafeMutablePointer<Float>) -> Void) -> Tensor {
        var result = self.detached()
        var i = 0
        while i < axes.count {
            var j = i
            while j + 1 < axes.count && axes[j + 1] == axes[j] + 1 { j += 1 }
            result = result.reduceBlock(axes[i], axes[j], kernel)
            i = j + 1
        }
        return result
    }

    // MARK: - sum
    // y = Σ_axes x    ∂y/∂x = 1 (the gradient is broadcast back over the reduced axes)
    /// Sum over `axes` (all axes when empty).
    public func sum(axes: [Int] = [], keepDims: Bool = false) -> Tensor {
        let ax = reductionAxes(axes)
        let kept = keptShape(ax)
        var out = reduceValues(ax) { Kernels.sumMiddle($0, outer: $1, r: $2, inner: $3, into: $4) }
        if !keepDims { out = Tensor(shape: kept.enumerated().filter { !ax.contains($0.offset) }.map(\.element), storage: out.storage) }
        let inShape = shape
        return out.recorded(.sum, [self]) { dy in [dy.reshaped(kept).expanded(to: inShape)] }
    }

    /// Sum over one axis.
    public func sum(axis: Int, keepDims: Bool = false) -> Tensor { sum(axes: [axis], keepDims: keepDims) }

    // MARK: - max
    // y = max_axes x    ∂y/∂x = [x = y] / (number of maxima)  (ties share the gradient, as PyTorch's amax)
    /// Maximum over `axes` (all axes when empty).
    public func max(axes: [Int] = [], keepDims: Bool = false) -> Tensor {
        let ax = reductionAxes(axes)
        let kept = keptShape(ax)
        let maxKept = reduceValues(ax) { Kernels.maxMiddle($0, outer: $1, r: $2, inner: $3, into: $4) }
        let out = keepDims ? maxKept : Tensor(shape: kept.enumerated().filter { !ax.contains($0.offset) }.map(\.element), storage: maxKept.storage)
        let x = self
        return out.recorded(.max, [self]) { dy in
            let mask = x.detached().equal(maxKept)
            let ties = mask.sum(axes: ax, keepDims: true)
            return [dy.reshaped(kept) * (mask / ties)]
        }
    }

    /// Maximum over one axis.
    public func max(axis: Int, keepDims: Bool = false) -> Tensor { max(axes: [axis], keepDims: keepDims) }

    /// Mean over `axes` (all when empty).
    public func mean(axes: [Int] = [], keepDims: Bool = false) -> Tensor {
        let ax = reductionAxes(axes)
        let n = ax.reduce(1) { $0 * shape[$1] }
        return sum(axes: ax, keepDims: keepDims) * (1 / Float(n))
    }

    /// Mean over one axis.
    public func mean(axis: Int, keepDims: Bool = false) -> Tensor { mean(axes: [axis], keepDims: keepDims) }

    /// Variance over `axes`: biased (divide by n, as normalisation layers use) unless `unbiased`.
    public func variance(axes: [Int] = [], keepDims: Bool = false, unbiased: Bool = false) -> Tensor {
        let ax = reductionAxes(axes)
        let n = ax.reduce(1) { $0 * shape[$1] }
        let centered = self - mean(axes: ax, keepDims: true)
        let ss = (centered * centered).sum(axes: ax, keepDims: keepDims)
        return ss * (1 / Float(unbiased ? Swift.max(n - 1, 1) : n))
    }

    /// Minimum over `axes` (composed: −max(−x)).
    public func min(axes: [Int] = [], keepDims: Bool = false) -> Tensor { -((-self).max(axes: axes, keepDims: keepDims)) }

    /// Sums this gradient down to `target`, undoing NumPy broadcasting (leading axes and size-1 axes).
    public func sum(toShape target: [Int]) -> Tensor {
        if shape == target { return self }
        let lead = rank - target.count
        require(lead >= 0, "sum(toShape:): \(shape) cannot reduce to \(target)")
        var axes = Array(0..<lead)
        for (i, size) in target.enumerated() where size == 1 && shape[lead + i] != 1 { axes.append(lead + i) }
        let reduced = axes.isEmpty ? self : sum(axes: axes, keepDims: true)
        return reduced.reshaped(target)
    }
}
