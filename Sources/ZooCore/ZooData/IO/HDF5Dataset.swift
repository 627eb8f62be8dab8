// HDF5 wrapper, part 3: an open dataset, read and written whole or by hyperslab (a box of
// `count` elements starting at `start`), and grown along unlimited axes.

import CHDF5
import Foundation
import ZooTensor

/// An open dataset. Keep one open to read many windows cheaply (opening costs a metadata lookup).
public final class HDF5Dataset {
    /// The file the dataset lives in (kept alive by the dataset).
    public let file: HDF5File
    /// The dataset's path inside the file.
    public let path: String
    /// HDF5's identifier for the open dataset.
    public let id: hid_t
    /// The stored element type.
    public let elementType: HDF5ElementType
    private var isOpen = true

    init(file: HDF5File, path: String, id: hid_t) {
        self.file = file
        self.path = path
        self.id = id
        let type = H5Dget_type(id)
        elementType = HDF5ElementType.of(type)
        H5Tclose(type)
    }

    deinit { close() }

    /// Closes the dataset (also done on deinit, or by closing the file).
    public func close() {
        if isOpen && file.isOpen { H5Dclose(id) }
        isOpen = false
    }

    private func error(_ message: String) -> HDF5Error { file.error(path, message) }

    private func checkOpen() throws {
        hdf5Begin()
        guard isOpen && file.isOpen else { throw error("the dataset or its file is closed") }
    }

    /// The current shape (`[]` for a scalar dataset).
    public var shape: [Int] { extents().current }

    /// The maximum shape; nil entries are unlimited axes.
    public var maxShape: [Int?] { extents().maximum }

    /// Number of elements.
    public var count: Int { shape.reduce(1, *) }

    private func extents() -> (current: [Int], maximum: [Int?]) {
        hdf5Begin()
        let space = H5Dget_space(id)
        defer { H5Sclose(space) }
        let rank = Int(H5Sget_simple_extent_ndims(space))
        guard rank > 0 else { return ([], []) }
        var dims = [hsize_t](repeating: 0, count: rank)
        var maxDims = [hsize_t](repeating: 0, count: rank)
        H5Sget_simple_extent_dims(space, &dims, &maxDims)
        let unlimited = zoo_h5s_unlimited()
        return (dims.map { Int($0) }, maxDims.map { $0 == unlimited ? nil : Int($0) })
    }

    /// The chunk shape, or nil for a contiguous dataset.
    public var chunks: [Int]? {
        hdf5Begin()
        let plist = H5Dget_create_plist(id)
        defer { H5Pclose(plist) }
        guard H5Pget_layout(plist) == H5D_CHUNKED else { return nil }
        var dims = [hsize_t](repeating: 0, count: 32)
        let rank = Int(H5Pget_chunk(plist, 32, &dims))
        return rank > 0 ? dims.prefix(rank).map { Int($0) } : nil
    }

    private func checkType<T: HDF5Scalar>(_ type: T.Type, _ verb: String) throws {
        guard elementType == T.hdf5ElementType else {
            throw error("stored as \(elementType), cannot be \(verb) as \(T.hdf5ElementType)")
        }
    }

    // MARK: - Whole

    /// Reads every element (row-major); the stored type must be exactly `T`'s.
    public func read<T: HDF5Scalar>(_ type: T.Type = T.self) throws -> [T] {
        let shape = self.shape
        return try read(T.self, start: shape.map { _ in 0 }, count: shape)
    }

    /// Writes every element (row-major); `values.count` must equal the dataset's element count.
    public func write<T: HDF5Scalar>(_ values: [T]) throws {
        let shape = self.shape
        try values.withUnsafeBufferPointer { try write($0, start: shape.map { _ in 0 }, count: shape) }
    }

    // MARK: - Hyperslabs

    /// Reads the box `start ..< start + count` (one entry per axis) into a new array.
    public func read<T: HDF5Scalar>(_ type: T.Type = T.self, start: [Int], count: [Int]) throws -> [T] {
        try checkOpen()
        let total = try checkedCount(count)
        try checkBox(start: start, count: count, elements: total)
        return try [T](unsafeUninitializedCapacity: total) { buffer, initialized in
            try read(start: start, count: count, into: buffer)
            initialized = total
        }
    }

    /// Reads the box `start ..< start + count` into `buffer`, which must hold exactly its element count.
    /// The fast path for windows of frames: no allocation besides HDF5's own.
    public func read<T: HDF5Scalar>(start: [Int], count: [Int], into buffer: UnsafeMutableBufferPointer<T>) throws {
        try checkOpen()
        try checkType(T.self, "read")
        try checkBox(start: start, count: count, elements: buffer.count)
        guard buffer.count > 0, let base = buffer.baseAddress else { return }
        try withSelection(start: start, count: count) { memory, fileSpace in
            if H5Dread(id, T.hdf5NativeType, memory, fileSpace, zoo_h5p_default(), base) < 0 {
                throw error("read failed (damaged file?): \(hdf5Detail())")
            }
        }
    }

    /// Writes `values` into the box `start ..< start + count`.
    public func write<T: HDF5Scalar>(_ values: UnsafeBufferPointer<T>, start: [Int], count: [Int]) throws {
        try checkOpen()
        try checkType(T.self, "written")
        try checkBox(start: start, count: count, elements: values.count)
        guard values.count > 0, let base = values.baseAddress else { return }
        try withSelection(start: start, count: count) { memory, fileSpace in
            if H5Dwrite(id, T.hdf5NativeType, memory, fileSpace, zoo_h5p_default(), base) < 0 {
                throw error("write failed: \(hdf5Detail())")
            }
        }
    }

    /// Writes `values` into the box `start ..< start + count`.
    public func write<T: HDF5Scalar>(_ values: [T], start: [Int], count: [Int]) throws {
        try values.withUnsafeBufferPointer { try write($0, start: start, count: count) }
    }

    /// Grows (or shrinks) the dataset to `shape`; axes may only grow up to `maxShape`.
    public func extend(to shape: [Int]) throws {
        try checkOpen()
        let maximum = maxShape
        guard shape.count == maximum.count,
              zip(shape, maximum).allSatisfy({ $0 >= 0 && ($1 == nil || $0 <= $1!) }) else {
            throw error("cannot resize to \(shape): the maximum shape is "
                        + "[\(maximum.map { $0.map(String.init) ?? "unlimited" }.joined(separator: ", "))]")
        }
        var dims = shape.map { hsize_t($0) }
        if H5Dset_extent(id, &dims) < 0 { throw error("resize failed: \(hdf5Detail())") }
    }

    private func checkBox(start: [Int], count: [Int], elements: Int) throws {
        let shape = self.shape
        guard start.count == shape.count, count.count == shape.count else {
            throw error("selection of rank \(start.count)/\(count.count) on a dataset of rank \(shape.count)")
        }
        for axis in shape.indices where start[axis] < 0 || count[axis] < 0 || count[axis] > shape[axis] - start[axis] {
            throw error("selection start \(start) count \(count) is outside the shape \(shape)")
        }
        let needed = try checkedCount(count)
        guard needed == elements else {
            throw error("buffer holds \(elements) elements, the selection \(count) needs \(needed)")
        }
    }

    /// The element count of a box, or an error when a size is negative or the product overflows.
    private func checkedCount(_ count: [Int]) throws -> Int {
        var total = 1
        for n in count {
            let (product, overflow) = total.multipliedReportingOverflow(by: n)
            guard n >= 0, !overflow else { throw error("selection \(count) has a negative size or overflows") }
            total = product
        }
        return total
    }

    /// Runs `body(memorySpace, fileSpace)` with the box selected in the file space.
    private func withSelection(start: [Int], count: [Int], _ body: (hid_t, hid_t) throws -> Void) throws {
        if start.isEmpty {  // scalar dataset
            try body(zoo_h5s_all(), zoo_h5s_all())
            return
        }
        let fileSpace = H5Dget_space(id)
        defer { H5Sclose(fileSpace) }
        var first = start.map { hsize_t($0) }
        var sizes = count.map { hsize_t($0) }
        guard H5Sselect_hyperslab(fileSpace, H5S_SELECT_SET, &first, nil, &sizes, nil) >= 0 else {
            throw error("cannot select start \(start) count \(count): \(hdf5Detail())")
        }
        let memory = H5Screate_simple(Int32(sizes.count), &sizes, nil)
        defer { H5Sclose(memory) }
        try body(memory, fileSpace)
    }

    // MARK: - Strings

    /// Reads a scalar or one-dimensional string dataset (fixed- or variable-length).
    public func readStrings() throws -> [String] {
        try checkOpen()
        guard elementType == .string else { throw error("stored as \(elementType), not as strings") }
        let count = self.count
        let stored = H5Dget_type(id)
        defer { H5Tclose(stored) }
        guard count > 0 else { return [] }
        if H5Tis_variable_str(stored) > 0 {
            let memoryType = HDF5StringType.variable()
            defer { H5Tclose(memoryType) }
            var pointers = [UnsafeMutablePointer<CChar>?](repeating: nil, count: count)
            guard H5Dread(id, memoryType, zoo_h5s_all(), zoo_h5s_all(), zoo_h5p_default(), &pointers) >= 0 else {
                throw error("cannot read strings: \(hdf5Detail())")
            }
            let strings = pointers.map { $0.map { String(cString: $0) } ?? "" }
            let space = H5Dget_space(id)
            H5Dvlen_reclaim(memoryType, space, zoo_h5p_default(), &pointers)
            H5Sclose(space)
            return strings
        }
        let width = H5Tget_size(stored)
        let memoryType = H5Tcopy(zoo_h5t_c_s1())
        H5Tset_size(memoryType, width)
        defer { H5Tclose(memoryType) }
        var bytes = [UInt8](repeating: 0, count: count * width)
        guard H5Dread(id, memoryType, zoo_h5s_all(), zoo_h5s_all(), zoo_h5p_default(), &bytes) >= 0 else {
            throw error("cannot read strings: \(hdf5Detail())")
        }
        return (0..<count).map { i in
            let field = bytes[(i * width)..<((i + 1) * width)].prefix { $0 != 0 }
            return String(decoding: field, as: UTF8.self)
        }
    }

    func writeStrings(_ strings: [String]) throws {
        try checkOpen()
        guard strings.count == count else { throw error("\(strings.count) strings for \(count) slots") }
        guard !strings.isEmpty else { return }
        let memoryType = HDF5StringType.variable()
        defer { H5Tclose(memoryType) }
        var pointers: [UnsafeMutablePointer<CChar>?] = strings.map { strdup($0) }
        defer { pointers.forEach { free($0) } }
        guard H5Dwrite(id, memoryType, zoo_h5s_all(), zoo_h5s_all(), zoo_h5p_default(), &pointers) >= 0 else {
            throw error("cannot write strings: \(hdf5Detail())")
        }
    }
}

// MARK: - Opening and creating

/// Reads up to this many bytes pass the file-size check on datasets and attributes (a sparse dataset of
/// unwritten chunks can claim more than its file holds; 64 MiB of them is harmless).
let hdf5SmallReadBytes = 64 << 20

extension HDF5File {
    /// Opens an existing dataset.
    /// - Throws: `HDF5Error` naming the path when there is no dataset there.
    public func openDataset(_ path: String) throws -> HDF5Dataset {
        let path = hdf5NormalizedPath(path)
        try checkOpen(path)
        switch kind(of: path) {
        case .dataset: break
        case .group: throw error(path, "is a group, not a dataset")
        default: throw error(path, "no such dataset")
        }
        let dataset = H5Dopen2(id, path, zoo_h5p_default())
        guard dataset >= 0 else { throw error(path, "cannot open the dataset: \(hdf5Detail())") }
        do { try checkExtent(of: dataset, path: path) } catch {
            H5Dclose(dataset)
            throw error
        }
        return HDF5Dataset(file: self, path: path, id: dataset)
    }

    /// The most bytes a dataset of this file may claim: what the file holds (times deflate's largest
    /// ratio, about 1032:1, when the dataset is compressed), and never less than `hdf5SmallReadBytes`.
    func byteLimit(compressed: Bool) -> Int {
        var size: hsize_t = 0
        let fileBytes = H5Fget_filesize(id, &size) >= 0 ? Int(clamping: size) : 0
        let (limit, overflow) = fileBytes.multipliedReportingOverflow(by: compressed ? 1100 : 1)
        return max(overflow ? Int.max : limit, hdf5SmallReadBytes)
    }

    /// Checks a dataset's rank, sizes and element count against the file before anything reads it, so a
    /// damaged or crafted file gives an error instead of an overflow or an allocation of its claimed size.
    private func checkExtent(of dataset: hid_t, path: String) throws {
        let space = H5Dget_space(dataset)
        guard space >= 0 else { throw error(path, "cannot read the dataset's shape: \(hdf5Detail())") }
        defer { H5Sclose(space) }
        let rank = Int(H5Sget_simple_extent_ndims(space))
        guard (0...32).contains(rank) else { throw error(path, "has rank \(rank) (damaged file?)") }
        var dims = [hsize_t](repeating: 0, count: max(rank, 1))
        var maxDims = [hsize_t](repeating: 0, count: max(rank, 1))
        guard H5Sget_simple_extent_dims(space, &dims, &maxDims) >= 0 else {
            throw error(path, "cannot read the dataset's shape: \(hdf5Detail())")
        }
        let unlimited = zoo_h5s_unlimited()
        for axis in 0..<rank where dims[axis] > hsize_t(Int.max) || (maxDims[axis] != unlimited && maxDims[axis] > hsize_t(Int.max)) {
            throw error(path, "has a size beyond 2^63 on axis \(axis) (damaged file?)")
        }
        let type = H5Dget_type(dataset)
        guard type >= 0 else { throw error(path, "cannot read the element type: \(hdf5Detail())") }
        let elementBytes = max(H5Tget_size(type), 1)
        H5Tclose(type)
        var bytes = elementBytes
        for axis in 0..<rank {
            let (product, overflow) = bytes.multipliedReportingOverflow(by: Int(dims[axis]))
            guard !overflow else { throw error(path, "shape \(dims.prefix(rank).map { Int($0) }) overflows (damaged file?)") }
            bytes = product
        }
        let plist = H5Dget_create_plist(dataset)
        let compressed = plist >= 0 && H5Pget_nfilters(plist) > 0
        if plist >= 0 { H5Pclose(plist) }
        let limit = byteLimit(compressed: compressed)
        guard bytes <= limit else {
            throw error(path, "claims shape \(dims.prefix(rank).map { Int($0) }) (\(bytes) bytes), more than this "
                        + "\(compressed ? "compressed " : "")file of \(byteLimit(compressed: false)) bytes can hold (damaged file?)")
        }
    }

    /// Creates a dataset of `T` elements (missing parent groups are created).
    /// - Parameters:
    ///   - shape: the initial shape (`[]` for a scalar); axes may be 0 when `options.maxShape` lets them grow.
    ///   - options: chunking, gzip and growable axes; see `HDF5DatasetOptions`.
    public func createDataset<T: HDF5Scalar>(_ path: String, of type: T.Type, shape: [Int],
                                             options: HDF5DatasetOptions = .init()) throws -> HDF5Dataset {
        try createDataset(path, type: T.hdf5NativeType, ownsType: false, elementType: T.hdf5ElementType,
                          shape: shape, options: options, elementBytes: MemoryLayout<T>.size)
    }

    func createDataset(_ path: String, type: hid_t, ownsType: Bool, elementType: HDF5ElementType,
                       shape: [Int], options: HDF5DatasetOptions, elementBytes: Int = 8) throws -> HDF5Dataset {
        defer { if ownsType { H5Tclose(type) } }
        let path = hdf5NormalizedPath(path)
        try checkOpen(path)
        guard path != "/" else { throw error(path, "a dataset needs a name") }
        if exists(path) { throw error(path, "already exists") }
        guard shape.allSatisfy({ $0 >= 0 }) else { throw error(path, "negative size in shape \(shape)") }
        if let maxShape = options.maxShape, maxShape.count != shape.count {
            throw error(path, "maxShape \(maxShape) has a different rank from shape \(shape)")
        }
        let needsChunks = options.chunks != nil || options.gzipLevel != nil || options.maxShape != nil
        if shape.isEmpty && needsChunks { throw error(path, "a scalar dataset cannot be chunked or compressed") }

        let space: hid_t
        if shape.isEmpty {
            space = H5Screate(H5S_SCALAR)
        } else {
            var dims = shape.map { hsize_t($0) }
            if let maxShape = options.maxShape {
                var maxDims = maxShape.map { $0.map { hsize_t($0) } ?? zoo_h5s_unlimited() }
                space = H5Screate_simple(Int32(dims.count), &dims, &maxDims)
            } else {
                space = H5Screate_simple(Int32(dims.count), &dims, nil)
            }
        }
        guard space >= 0 else { throw error(path, "invalid shape \(shape): \(hdf5Detail())") }
        defer { H5Sclose(space) }

        let dcpl = H5Pcreate(zoo_h5p_dataset_create())
        defer { H5Pclose(dcpl) }
        if needsChunks {
            var chunks = (options.chunks ?? hdf5DefaultChunks(shape: shape, elementBytes: elementBytes))
                .map { hsize_t($0) }
            guard chunks.count == shape.count, chunks.allSatisfy({ $0 > 0 }) else {
                throw error(path, "chunk shape \(chunks) does not fit shape \(shape)")
            }
            H5Pset_chunk(dcpl, Int32(chunks.count), &chunks)
            if let level = options.gzipLevel {
                guard (1...9).contains(level) else { throw error(path, "gzip level \(level) is not in 1...9") }
                H5Pset_deflate(dcpl, UInt32(level))
            }
        }
        let lcpl = intermediateLinkList()
        defer { H5Pclose(lcpl) }
        let dataset = H5Dcreate2(id, path, type, space, lcpl, dcpl, zoo_h5p_default())
        guard dataset >= 0 else { throw error(path, "cannot create the dataset: \(hdf5Detail())") }
        return HDF5Dataset(file: self, path: path, id: dataset)
    }
}
