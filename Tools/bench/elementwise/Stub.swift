// The little of ZooCore's Tensor that the elementwise kernels touch, for the standalone benchmark.

final class TensorStorage {
    let count: Int
    let pointer: UnsafeMutablePointer<Float>
    init(uninitializedCount count: Int) {
        self.count = count
        pointer = UnsafeMutablePointer<Float>.allocate(capacity: Swift.max(count, 1))
    }
    deinit { pointer.deallocate() }
}

struct Tensor {
    let shape: [Int]
    let storage: TensorStorage
    var count: Int { storage.count }
    init(shape: [Int], storage: TensorStorage) { self.shape = shape; self.storage = storage }
    init(_ value: Float) { self.init(shape: [], storage: TensorStorage(uninitializedCount: 1)); storage.pointer[0] = value }
    static func uninitialized(_ shape: [Int]) -> Tensor {
        Tensor(shape: shape, storage: TensorStorage(uninitializedCount: shape.reduce(1, *)))
    }
}
