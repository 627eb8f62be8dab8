// Shape arithmetic: broadcasting and strides.

/// Shape helpers shared by ops and kernels.
public enum Shape {
    /// Row-major strides of `shape`.
    @inline(__always) public static func strides(_ shape: [Int]) -> [Int] {
        var s = [Int](repeating: 1, count: shape.count)
        var acc = 1
        for d in stride(from: shape.count - 1, through: 0, by: -1) { s[d] = acc; acc *= shape[d] }
        return s
    }

    /// The broadcast of two shapes (NumPy rules: align right; sizes equal or 1).
    public static func broadcast(_ a: [Int], _ b: [Int]) -> [Int] {
        if a == b { return a }
        let n = Swift.max(a.count, b.count)
        var out = [Int](repeating: 1, count: n)
        for i in 0..<n {
            let da = i < n - a.count ? 1 : a[i - (n - a.count)]
            let db = i < n - b.count ? 1 : b[i - (n - b.count)]
            require(da == db || da == 1 || db == 1, "shapes \(a) and \(b) do not broadcast")
            out[i] = da == 1 ? db : da
        }
        return out
    }

    /// Strides that read a tensor of `shape` as if it had `target` shape (0 along broadcast axes).
    static func broadcastStrides(_ shape: [Int], to target: [Int]) -> [Int] {
        let own = strides(shape)
        let lead = target.count - shape.count
        require(lead >= 0, "cannot broadcast \(shape) to \(target)")
        return (0..<target.count).map { d in
            d < lead ? 0 : (shape[d - lead] == 1 && target[d] != 1 ? 0 : own[d - lead])
        }
    }

    /// Merges adjacent axes that every stride list walks contiguously, and drops size-1 axes, so loops
    /// run over as few, as long dimensions as possible.
    static func collapse(_ shape: [Int], _ strideLists: [[Int]]) -> (shape: [Int], strides: [[Int]]) {
        var dims: [Int] = []
        var out: [[Int]] = Array(repeating: [], count: strideLists.count)
        for d in 0..<shape.count where shape[d] != 1 {
            if let last = dims.last,
               strideLists.indices.allSatisfy({ out[$0].last! == strideLists[$0][d] * shape[d] }) {
                dims[dims.count - 1] = last * shape[d]
                for k in strideLists.indices { out[k][out[k].count - 1] = strideLists[k][d] }
            } else {
                dims.append(shape[d])
                for k in strideLists.indices { out[k].append(strideLists[k][d]) }
            }
        }
        if dims.isEmpty { return ([1], strideLists.map { _ in [0] }) }
        return (dims, out)
    }
}
