#!/bin/bash
# Builds and runs the elementwise micro-benchmark: the kernels at commit OLD (default 35ef54d, before the
# function-type kernels) against the working tree's, in one optimised binary (-Ounchecked, whole module,
# as ZooCore's release build). Run under the shared lock:  flock /tmp/zoo-build.lock Tools/bench/elementwise/run.sh
set -euo pipefail
root=$(git -C "$(dirname "$0")" rev-parse --show-toplevel)
old=${OLD:-35ef54d}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
here="$root/Tools/bench/elementwise"
# Old kernels, renamed so both fit in one module.
git -C "$root" show "$old:Sources/ZooCore/Kernels/Elementwise.swift" | sed 's/\bKernels\b/OldKernels/g; s/\bParallel\b/OldParallel/g' > "$work/OldElementwise.swift"
git -C "$root" show "$old:Sources/ZooCore/Kernels/Parallel.swift" | sed 's/\bParallel\b/OldParallel/g' > "$work/OldParallel.swift"
cp "$root/Sources/ZooCore/Kernels/Elementwise.swift" "$root/Sources/ZooCore/Kernels/Parallel.swift" \
   "$root/Sources/ZooCore/Kernels/PointwiseFunctions.swift" "$root/Sources/ZooCore/Tensor/Shape.swift" "$work/"
cat > "$work/Functions.swift" <<'SWIFT'
import Foundation
struct LeakyReluFunction: UnaryFunction { let alpha: Float; @inline(__always) func callAsFunction(_ x: Float) -> Float { x > 0 ? x : alpha * x } }
struct ExpFunction: UnaryFunction { static var cost: Int { libmCost }; @inline(__always) func callAsFunction(_ x: Float) -> Float { Foundation.exp(x) } }
typealias AddFunction = Pointwise.Add
typealias MultiplyFunction = Pointwise.Multiply
SWIFT
cp "$here/Stub.swift" "$here/main.swift" "$work/"
# One module: drop `public` (the stub Tensor is internal).
sed -i 's/\bpublic //g' "$work"/*.swift
swiftc -Ounchecked -wmo -enforce-exclusivity=unchecked -module-name ElementwiseBench \
    "$work"/*.swift -o "$work/bench" 2>&1 | grep -v "warning:" | grep -E "error" -A3 || true
"$work/bench"
