// Elementwise kernels before and after (old: closures through Parallel.forChunks; new: function types),
// interleaved, best and median of repeated runs, on the shapes an RVD step at 32x32 sees.

import Dispatch
import Foundation

func milliseconds(_ body: () -> Void) -> Double {
    let t0 = DispatchTime.now().uptimeNanoseconds
    body()
    return Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e6
}

func random(_ shape: [Int]) -> Tensor {
    let t = Tensor.uninitialized(shape)
    var state: UInt32 = 12345
    for i in 0..<t.count { state = state &* 1_664_525 &+ 1_013_904_223; t.storage.pointer[i] = Float(state >> 8) / Float(1 << 24) * 4 - 2 }
    return t
}

struct Case { let name: String; let old: () -> Tensor; let new: () -> Tensor }

let repeats = Int(ProcessInfo.processInfo.environment["REPEATS"] ?? "") ?? 30
let alpha: Float = 0.2
var cases: [Case] = []
for shape in [[64, 16, 32, 32], [64, 32, 16, 16], [8, 16, 32, 32], [64, 64, 8, 8]] {
    let x = random(shape), y = random(shape), bias = random([shape[1], 1, 1])
    let label = shape.map(String.init).joined(separator: "x")
    cases.append(Case(name: "leakyRelu \(label)", old: { OldKernels.map(x) { $0 > 0 ? $0 : alpha * $0 } },
                      new: { Kernels.map(x, LeakyReluFunction(alpha: alpha)) }))
    cases.append(Case(name: "add       \(label)", old: { OldKernels.zip(x, y, +) }, new: { Kernels.zip(x, y, AddFunction()) }))
    cases.append(Case(name: "mul bias  \(label)", old: { OldKernels.zip(x, bias, *) }, new: { Kernels.zip(x, bias, MultiplyFunction()) }))
    cases.append(Case(name: "exp       \(label)", old: { OldKernels.map(x) { Foundation.exp($0) } }, new: { Kernels.map(x, ExpFunction()) }))
}

print("best / median ms over \(repeats) interleaved runs, \(Parallel.coreCount) cores")
for c in cases {
    var old: [Double] = [], new: [Double] = []
    _ = c.old(); _ = c.new()
    for _ in 0..<repeats {
        old.append(milliseconds { _ = c.old() })
        new.append(milliseconds { _ = c.new() })
    }
    old.sort(); new.sort()
    let a = c.old(), b = c.new()
    let same = (0..<a.count).allSatisfy { a.storage.pointer[$0] == b.storage.pointer[$0] }
    print(String(format: "%@  old %7.3f / %7.3f   new %7.3f / %7.3f   median ratio %5.2fx %@", c.name, old[0], old[old.count / 2],
                 new[0], new[new.count / 2], old[old.count / 2] / new[new.count / 2], same ? "" : "VALUES DIFFER"))
}

// Serial against two threads for the new kernels: where splitting starts to pay.
print("\nnew kernels, one thread against two (median ms); work per task threshold search")
for n in [16_384, 32_768, 65_536, 131_072, 262_144, 524_288, 1_048_576] {
    let x = random([n]), y = random([n])
    func time(_ body: () -> Void) -> Double { var t: [Double] = []; for _ in 0..<repeats { t.append(milliseconds(body)) }; t.sort(); return t[t.count / 2] }
    let out = Tensor.uninitialized([n])
    let px = x.storage.pointer, py = y.storage.pointer, po = out.storage.pointer
    let addSerial = time { for i in 0..<n { po[i] = px[i] + py[i] } }
    let addSplit = time { DispatchQueue.concurrentPerform(iterations: 2) { t in let h = n / 2; let r = t == 0 ? 0..<h : h..<n; for i in r { po[i] = px[i] + py[i] } } }
    let expSerial = time { for i in 0..<n { po[i] = Foundation.exp(px[i]) } }
    let expSplit = time { DispatchQueue.concurrentPerform(iterations: 2) { t in let h = n / 2; let r = t == 0 ? 0..<h : h..<n; for i in r { po[i] = Foundation.exp(px[i]) } } }
    print(String(format: "n %8d   add %7.3f vs %7.3f (%.2fx)   exp %7.3f vs %7.3f (%.2fx)", n, addSerial, addSplit, addSerial / addSplit,
                 expSerial, expSplit, expSerial / expSplit))
}
