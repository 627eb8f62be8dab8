// HDF5 wrapper, part 4: attributes on groups and datasets (strings, integers, reals and 1-D arrays
// of them). Setting an attribute that exists replaces it.

import CHDF5
import Foundation
import ZooTensor

extension HDF5File {
    /// Sets (or replaces) an attribute on the group or dataset at `path`.
    /// - Throws: `HDF5Error` naming the object when it does not exist or the file is read-only.
    public func setAttribute(_ name: String, _ value: HDF5AttributeValue, on path: String = "/") throws {
        try withObject(path) { object, path in
            if H5Aexists(object, name) > 0 { H5Adelete(object, name) }
            switch value {
            case .string(let s): try writeStrings([s], scalar: true, name: name, object: object, path: path)
            case .strings(let s): try writeStrings(s, scalar: false, name: name, object: object, path: path)
            case .int(let i): try writeNumbers([Int64(i)], scalar: true, name: name, object: object, path: path)
            case .ints(let i): try writeNumbers(i.map(Int64.init), scalar: false, name: name, object: object, path: path)
            case .double(let d): try writeNumbers([d], scalar: true, name: name, object: object, path: path)
            case .doubles(let d): try writeNumbers(d, scalar: false, name: name, object: object, path: path)
            }
        }
    }

    /// The attribute's value, or nil when the object has no attribute of that name.
    /// - Throws: `HDF5Error` when the object is missing or the attribute's type is not supported.
    public func attribute(_ name: String, of path: String = "/") throws -> HDF5AttributeValue? {
        try withObject(path) { object, path in
            guard H5Aexists(object, name) > 0 else { return nil }
            let attribute = H5Aopen(object, name, zoo_h5p_default())
            guard attribute >= 0 else { throw error(path, "cannot open attribute \"\(name)\": \(hdf5Detail())") }
            defer { H5Aclose(attribute) }
            return try readAttribute(attribute, name: name, path: path)
        }
    }

    /// Names of the attributes on the group or dataset at `path`, sorted.
    public func attributeNames(of path: String = "/") throws -> [String] {
        try withObject(path) { object, path in
            let count = zoo_h5_attribute_count(object)
            guard count >= 0 else { throw error(path, "cannot count attributes: \(hdf5Detail())") }
            var names: [String] = []
            for index in 0..<hsize_t(count) {
                let length = H5Aget_name_by_idx(object, ".", H5_INDEX_NAME, H5_ITER_INC, index, nil, 0, zoo_h5p_default())
                guard length >= 0 else { throw error(path, "cannot read an attribute name: \(hdf5Detail())") }
                var buffer = [CChar](repeating: 0, count: Int(length) + 1)
                H5Aget_name_by_idx(object, ".", H5_INDEX_NAME, H5_ITER_INC, index, &buffer, buffer.count, zoo_h5p_default())
                names.append(String(cString: buffer))
            }
            return names.sorted()
        }
    }

    /// All attributes of the object at `path`.
    public func attributes(of path: String = "/") throws -> [String: HDF5AttributeValue] {
        var result: [String: HDF5AttributeValue] = [:]
        for name in try attributeNames(of: path) { result[name] = try attribute(name, of: path) }
        return result
    }

    /// The attribute as a string; throws when it is missing or not a string.
    public func stringAttribute(_ name: String, of path: String = "/") throws -> String {
        guard let value = try attribute(name, of: path) else {
            throw error(hdf5NormalizedPath(path), "missing attribute \"\(name)\"")
        }
        guard let string = value.stringValue else {
            throw error(hdf5NormalizedPath(path), "attribute \"\(name)\" is \(value), not a string")
        }
        return string
    }

    /// The attribute as an integer; throws when it is missing or not an integer.
    public func intAttribute(_ name: String, of path: String = "/") throws -> Int {
        guard let value = try attribute(name, of: path) else {
            throw error(hdf5NormalizedPath(path), "missing attribute \"\(name)\"")
        }
        guard let int = value.intValue else {
            throw error(hdf5NormalizedPath(path), "attribute \"\(name)\" is \(value), not an integer")
        }
        return int
    }

    // MARK: - Helpers

    private func withObject<R>(_ path: String, _ body: (hid_t, String) throws -> R) throws -> R {
        let path = hdf5NormalizedPath(path)
        try checkOpen(path)
        guard exists(path) else { throw error(path, "no such group or dataset") }
        let object = H5Oopen(id, path, zoo_h5p_default())
        guard object >= 0 else { throw error(path, "cannot open: \(hdf5Detail())") }
        defer { H5Oclose(object) }
        return try body(object, path)
    }

    private func makeSpace(count: Int, scalar: Bool) -> hid_t {
        if scalar { return H5Screate(H5S_SCALAR) }
        var dims = [hsize_t(count)]
        return H5Screate_simple(1, &dims, nil)
    }

    private func writeNumbers<T: HDF5Scalar>(_ values: [T], scalar: Bool, name: String, object: hid_t,
                                             path: String) throws {
        let space = makeSpace(count: values.count, scalar: scalar)
        defer { H5Sclose(space) }
        let attribute = H5Acreate2(object, name, T.hdf5NativeType, space, zoo_h5p_default(), zoo_h5p_default())
        guard attribute >= 0 else { throw error(path, "cannot create attribute \"\(name)\": \(hdf5Detail())") }
        defer { H5Aclose(attribute) }
        let status = values.isEmpty ? 0 : values.withUnsafeBufferPointer {
            H5Awrite(attribute, T.hdf5NativeType, $0.baseAddress!)
        }
        if status < 0 { throw error(path, "cannot write attribute \"\(name)\": \(hdf5Detail())") }
    }

    private func writeStrings(_ strings: [String], scalar: Bool, name: String, object: hid_t, path: String) throws {
        let type = HDF5StringType.variable()
        defer { H5Tclose(type) }
        let space = makeSpace(count: strings.count, scalar: scalar)
        defer { H5Sclose(space) }
        let attribute = H5Acreate2(object, name, type, space, zoo_h5p_default(), zoo_h5p_default())
        guard attribute >= 0 else { throw error(path, "cannot create attribute \"\(name)\": \(hdf5Detail())") }
        defer { H5Aclose(attribute) }
        var pointers: [UnsafeMutablePointer<CChar>?] = strings.map { strdup($0) }
        defer { pointers.forEach { free($0) } }
        if !strings.isEmpty && H5Awrite(attribute, type, &pointers) < 0 {
            throw error(path, "cannot write attribute \"\(name)\": \(hdf5Detail())")
        }
    }

    private func readAttribute(_ attribute: hid_t, name: String, path: String) throws -> HDF5AttributeValue {
        let type = H5Aget_type(attribute)
        defer { H5Tclose(type) }
        let space = H5Aget_space(attribute)
        defer { H5Sclose(space) }
        let scalar = H5Sget_simple_extent_ndims(space) == 0
        let count = Int(H5Sget_simple_extent_npoints(space))
        let failure = { self.error(path, "cannot read attribute \"\(name)\": \(hdf5Detail())") }
        // Attributes are stored uncompressed: a count or size the file cannot hold means a damaged file.
        let (bytes, overflow) = count.multipliedReportingOverflow(by: max(H5Tget_size(type), 1))
        guard count >= 0, !overflow, bytes <= byteLimit(compressed: false) else {
            throw error(path, "attribute \"\(name)\" claims \(count) elements, more than the file holds (damaged file?)")
        }
        switch HDF5ElementType.of(type) {
        case .signedInteger, .unsignedInteger:
            var values = [Int64](repeating: 0, count: count)
            guard count == 0 || H5Aread(attribute, zoo_h5t_native_int64(), &values) >= 0 else { throw failure() }
            return scalar ? .int(Int(values.first ?? 0)) : .ints(values.map { Int($0) })
        case .float:
            var values = [Double](repeating: 0, count: count)
            guard count == 0 || H5Aread(attribute, zoo_h5t_native_double(), &values) >= 0 else { throw failure() }
            return scalar ? .double(values.first ?? 0) : .doubles(values)
        case .string:
            let strings = try readStringAttribute(attribute, type: type, space: space, count: count, failure)
            return scalar ? .string(strings.first ?? "") : .strings(strings)
        case .other:
            throw error(path, "attribute \"\(name)\" has an unsupported type (\(HDF5ElementType.of(type)))")
        }
    }

    private func readStringAttribute(_ attribute: hid_t, type: hid_t, space: hid_t, count: Int,
                                     _ failure: () -> HDF5Error) throws -> [String] {
        guard count > 0 else { return [] }
        if H5Tis_variable_str(type) > 0 {
            let memoryType = HDF5StringType.variable()
            defer { H5Tclose(memoryType) }
            var pointers = [UnsafeMutablePointer<CChar>?](repeating: nil, count: count)
            guard H5Aread(attribute, memoryType, &pointers) >= 0 else { throw failure() }
            let strings = pointers.map { $0.map { String(cString: $0) } ?? "" }
            H5Dvlen_reclaim(memoryType, space, zoo_h5p_default(), &pointers)
            return strings
        }
        let width = H5Tget_size(type)
        let memoryType = H5Tcopy(zoo_h5t_c_s1())
        H5Tset_size(memoryType, width)
        defer { H5Tclose(memoryType) }
        var bytes = [UInt8](repeating: 0, count: count * width)
        guard H5Aread(attribute, memoryType, &bytes) >= 0 else { throw failure() }
        return (0..<count).map { i in
            String(decoding: bytes[(i * width)..<((i + 1) * width)].prefix { $0 != 0 }, as: UTF8.self)
        }
    }
}
