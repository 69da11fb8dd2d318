;; The fused engine's elementwise loops in wasm SIMD, run on the tfjs wasm backend's own memory (the
;; heap XNNPACK's gemm reads), so a minibatch never leaves it. Each function computes exactly what its
;; JS twin in kernels.ts (JsLoops) computes — the same float32 or float64 operations in the same order
;; per element, so results are bit-identical — without JS's per-element bounds checks, 2–4 lanes at a
;; time. Every pointer argument is an offset in floats (as everywhere in nn/fused/).
;;
;; Built into simd-wasm.ts by `npm run build:wasm` (wabt); a unit test fails if the two differ.
(module
  (import "env" "memory" (memory 0))

  ;; tanh in place on n floats at p: x clamped to ±9, then x·P(x²)/Q(x²) in float32, four at a time
  ;; (the coefficients of kernels.ts's tanhInPlace; NaN stays NaN).
  (func (export "tanh") (param $p i32) (param $n i32)
    (local $a i32) (local $end i32) (local $end4 i32) (local $x v128) (local $s v128) (local $x1 f32) (local $s1 f32)
    (local.set $a (i32.shl (local.get $p) (i32.const 2)))
    (local.set $end (i32.add (local.get $a) (i32.shl (local.get $n) (i32.const 2))))
    (local.set $end4 (i32.add (local.get $a) (i32.shl (i32.and (local.get $n) (i32.const -4)) (i32.const 2))))
    (block $done4
      (loop $four
        (br_if $done4 (i32.ge_u (local.get $a) (local.get $end4)))
        (local.set $x (f32x4.min (f32x4.max (v128.load align=4 (local.get $a)) (v128.const f32x4 -9 -9 -9 -9)) (v128.const f32x4 9 9 9 9)))
        (local.set $s (f32x4.mul (local.get $x) (local.get $x)))
        (v128.store align=4 (local.get $a)
          (f32x4.div
            (f32x4.mul (local.get $x) (f32x4.add (v128.const f32x4 0.9999999832285981 0.9999999832285981 0.9999999832285981 0.9999999832285981) (f32x4.mul (local.get $s) (f32x4.add (v128.const f32x4 0.1339243794258121 0.1339243794258121 0.1339243794258121 0.1339243794258121) (f32x4.mul (local.get $s) (f32x4.add (v128.const f32x4 0.0035091405327935493 0.0035091405327935493 0.0035091405327935493 0.0035091405327935493) (f32x4.mul (local.get $s) (f32x4.add (v128.const f32x4 2.0832052058225928e-5 2.0832052058225928e-5 2.0832052058225928e-5 2.0832052058225928e-5) (f32x4.mul (local.get $s) (v128.const f32x4 1.3663558590115699e-8 1.3663558590115699e-8 1.3663558590115699e-8 1.3663558590115699e-8))))))))))
            (f32x4.add (v128.const f32x4 1 1 1 1) (f32x4.mul (local.get $s) (f32x4.add (v128.const f32x4 0.46725756592745843 0.46725756592745843 0.46725756592745843 0.46725756592745843) (f32x4.mul (local.get $s) (f32x4.add (v128.const f32x4 0.025928544475518553 0.025928544475518553 0.025928544475518553 0.025928544475518553) (f32x4.mul (local.get $s) (f32x4.add (v128.const f32x4 0.0003307796158417746 0.0003307796158417746 0.0003307796158417746 0.0003307796158417746) (f32x4.mul (local.get $s) (v128.const f32x4 7.902996491671033e-7 7.902996491671033e-7 7.902996491671033e-7 7.902996491671033e-7)))))))))))
        (local.set $a (i32.add (local.get $a) (i32.const 16)))
        (br $four)))
    (block $done
      (loop $one
        (br_if $done (i32.ge_u (local.get $a) (local.get $end)))
        (local.set $x1 (f32.min (f32.max (f32.load (local.get $a)) (f32.const -9)) (f32.const 9)))
        (local.set $s1 (f32.mul (local.get $x1) (local.get $x1)))
        (f32.store (local.get $a)
          (f32.div
            (f32.mul (local.get $x1) (f32.add (f32.const 0.9999999832285981) (f32.mul (local.get $s1) (f32.add (f32.const 0.1339243794258121) (f32.mul (local.get $s1) (f32.add (f32.const 0.0035091405327935493) (f32.mul (local.get $s1) (f32.add (f32.const 2.0832052058225928e-5) (f32.mul (local.get $s1) (f32.const 1.3663558590115699e-8))))))))))
            (f32.add (f32.const 1) (f32.mul (local.get $s1) (f32.add (f32.const 0.46725756592745843) (f32.mul (local.get $s1) (f32.add (f32.const 0.025928544475518553) (f32.mul (local.get $s1) (f32.add (f32.const 0.0003307796158417746) (f32.mul (local.get $s1) (f32.const 7.902996491671033e-7)))))))))))
        (local.set $a (i32.add (local.get $a) (i32.const 4)))
        (br $one))))

  ;; Through tanh backward: g[i] *= 1 − y[i]², in float32.
  (func (export "tanhBackward") (param $g i32) (param $y i32) (param $n i32)
    (local $a i32) (local $b i32) (local $end i32) (local $end4 i32) (local $t v128) (local $t1 f32)
    (local.set $a (i32.shl (local.get $g) (i32.const 2)))
    (local.set $b (i32.shl (local.get $y) (i32.const 2)))
    (local.set $end (i32.add (local.get $a) (i32.shl (local.get $n) (i32.const 2))))
    (local.set $end4 (i32.add (local.get $a) (i32.shl (i32.and (local.get $n) (i32.const -4)) (i32.const 2))))
    (block $done4
      (loop $four
        (br_if $done4 (i32.ge_u (local.get $a) (local.get $end4)))
        (local.set $t (v128.load align=4 (local.get $b)))
        (v128.store align=4 (local.get $a)
          (f32x4.mul (v128.load align=4 (local.get $a)) (f32x4.sub (v128.const f32x4 1 1 1 1) (f32x4.mul (local.get $t) (local.get $t)))))
        (local.set $a (i32.add (local.get $a) (i32.const 16)))
        (local.set $b (i32.add (local.get $b) (i32.const 16)))
        (br $four)))
    (block $done
      (loop $one
        (br_if $done (i32.ge_u (local.get $a) (local.get $end)))
        (local.set $t1 (f32.load (local.get $b)))
        (f32.store (local.get $a)
          (f32.mul (f32.load (local.get $a)) (f32.sub (f32.const 1) (f32.mul (local.get $t1) (local.get $t1)))))
        (local.set $a (i32.add (local.get $a) (i32.const 4)))
        (local.set $b (i32.add (local.get $b) (i32.const 4)))
        (br $one))))

  ;; Through ReLU backward: g[i] = y[i] > 0 ? g[i] : 0 (so NaN activations pass no gradient).
  (func (export "reluBackward") (param $g i32) (param $y i32) (param $n i32)
    (local $a i32) (local $b i32) (local $end i32) (local $end4 i32)
    (local.set $a (i32.shl (local.get $g) (i32.const 2)))
    (local.set $b (i32.shl (local.get $y) (i32.const 2)))
    (local.set $end (i32.add (local.get $a) (i32.shl (local.get $n) (i32.const 2))))
    (local.set $end4 (i32.add (local.get $a) (i32.shl (i32.and (local.get $n) (i32.const -4)) (i32.const 2))))
    (block $done4
      (loop $four
        (br_if $done4 (i32.ge_u (local.get $a) (local.get $end4)))
        (v128.store align=4 (local.get $a)
          (v128.and (v128.load align=4 (local.get $a)) (f32x4.gt (v128.load align=4 (local.get $b)) (v128.const f32x4 0 0 0 0))))
        (local.set $a (i32.add (local.get $a) (i32.const 16)))
        (local.set $b (i32.add (local.get $b) (i32.const 16)))
        (br $four)))
    (block $done
      (loop $one
        (br_if $done (i32.ge_u (local.get $a) (local.get $end)))
        (if (i32.eqz (f32.gt (f32.load (local.get $b)) (f32.const 0)))
          (then (f32.store (local.get $a) (f32.const 0))))
        (local.set $a (i32.add (local.get $a) (i32.const 4)))
        (local.set $b (i32.add (local.get $b) (i32.const 4)))
        (br $one))))

  ;; dst[cols × rows] = src[rows × cols]ᵀ (a copy of bits): 4×4 blocks through registers (two
  ;; rounds of lane shuffles), then the edges element by element.
  (func (export "transpose") (param $src i32) (param $rows i32) (param $cols i32) (param $dst i32)
    (local $r i32) (local $c i32) (local $R4 i32) (local $C4 i32) (local $s i32) (local $d i32) (local $rs i32) (local $ds i32)
    (local $a0 v128) (local $a1 v128) (local $a2 v128) (local $a3 v128) (local $t0 v128) (local $t1 v128) (local $t2 v128) (local $t3 v128)
    (local.set $src (i32.shl (local.get $src) (i32.const 2)))
    (local.set $dst (i32.shl (local.get $dst) (i32.const 2)))
    (local.set $rs (i32.shl (local.get $cols) (i32.const 2)))
    (local.set $ds (i32.shl (local.get $rows) (i32.const 2)))
    (local.set $R4 (i32.and (local.get $rows) (i32.const -4)))
    (local.set $C4 (i32.and (local.get $cols) (i32.const -4)))
    (block $rowsDone
      (loop $rowBlock
        (br_if $rowsDone (i32.ge_u (local.get $r) (local.get $R4)))
        (local.set $c (i32.const 0))
        (block $colsDone
          (loop $colBlock
            (br_if $colsDone (i32.ge_u (local.get $c) (local.get $C4)))
            (local.set $s (i32.add (local.get $src) (i32.shl (i32.add (i32.mul (local.get $r) (local.get $cols)) (local.get $c)) (i32.const 2))))
            (local.set $a0 (v128.load align=4 (local.get $s)))
            (local.set $s (i32.add (local.get $s) (local.get $rs)))
            (local.set $a1 (v128.load align=4 (local.get $s)))
            (local.set $s (i32.add (local.get $s) (local.get $rs)))
            (local.set $a2 (v128.load align=4 (local.get $s)))
            (local.set $s (i32.add (local.get $s) (local.get $rs)))
            (local.set $a3 (v128.load align=4 (local.get $s)))
            (local.set $t0 (i8x16.shuffle 0 1 2 3 16 17 18 19 4 5 6 7 20 21 22 23 (local.get $a0) (local.get $a1)))
            (local.set $t1 (i8x16.shuffle 8 9 10 11 24 25 26 27 12 13 14 15 28 29 30 31 (local.get $a0) (local.get $a1)))
            (local.set $t2 (i8x16.shuffle 0 1 2 3 16 17 18 19 4 5 6 7 20 21 22 23 (local.get $a2) (local.get $a3)))
            (local.set $t3 (i8x16.shuffle 8 9 10 11 24 25 26 27 12 13 14 15 28 29 30 31 (local.get $a2) (local.get $a3)))
            (local.set $d (i32.add (local.get $dst) (i32.shl (i32.add (i32.mul (local.get $c) (local.get $rows)) (local.get $r)) (i32.const 2))))
            (v128.store align=4 (local.get $d) (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23 (local.get $t0) (local.get $t2)))
            (local.set $d (i32.add (local.get $d) (local.get $ds)))
            (v128.store align=4 (local.get $d) (i8x16.shuffle 8 9 10 11 12 13 14 15 24 25 26 27 28 29 30 31 (local.get $t0) (local.get $t2)))
            (local.set $d (i32.add (local.get $d) (local.get $ds)))
            (v128.store align=4 (local.get $d) (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23 (local.get $t1) (local.get $t3)))
            (local.set $d (i32.add (local.get $d) (local.get $ds)))
            (v128.store align=4 (local.get $d) (i8x16.shuffle 8 9 10 11 12 13 14 15 24 25 26 27 28 29 30 31 (local.get $t1) (local.get $t3)))
            (local.set $c (i32.add (local.get $c) (i32.const 4)))
            (br $colBlock)))
        (local.set $r (i32.add (local.get $r) (i32.const 4)))
        (br $rowBlock)))
    (call $transposeEdge (local.get $src) (local.get $rows) (local.get $cols) (local.get $dst) (i32.const 0) (local.get $rows) (local.get $C4) (local.get $cols))
    (call $transposeEdge (local.get $src) (local.get $rows) (local.get $cols) (local.get $dst) (local.get $R4) (local.get $rows) (i32.const 0) (local.get $C4)))

  ;; The transpose of rows r0…r1 − 1, columns c0…c1 − 1, element by element (byte addresses).
  (func $transposeEdge (param $src i32) (param $rows i32) (param $cols i32) (param $dst i32) (param $r0 i32) (param $r1 i32) (param $c0 i32) (param $c1 i32)
    (local $r i32) (local $c i32)
    (local.set $r (local.get $r0))
    (block $rowsDone
      (loop $row
        (br_if $rowsDone (i32.ge_u (local.get $r) (local.get $r1)))
        (local.set $c (local.get $c0))
        (block $colsDone
          (loop $col
            (br_if $colsDone (i32.ge_u (local.get $c) (local.get $c1)))
            (i32.store
              (i32.add (local.get $dst) (i32.shl (i32.add (i32.mul (local.get $c) (local.get $rows)) (local.get $r)) (i32.const 2)))
              (i32.load (i32.add (local.get $src) (i32.shl (i32.add (i32.mul (local.get $r) (local.get $cols)) (local.get $c)) (i32.const 2)))))
            (local.set $c (i32.add (local.get $c) (i32.const 1)))
            (br $col)))
        (local.set $r (i32.add (local.get $r) (i32.const 1)))
        (br $row))))

  ;; dst[c] = Σ_r src[r × cols + c], summed row by row in float32 (a bias gradient).
  (func (export "columnSums") (param $src i32) (param $rows i32) (param $cols i32) (param $dst i32)
    (local $s i32) (local $sEnd i32) (local $d i32) (local $d0 i32) (local $dEnd i32) (local $dEnd4 i32)
    (local.set $d0 (i32.shl (local.get $dst) (i32.const 2)))
    (local.set $dEnd (i32.add (local.get $d0) (i32.shl (local.get $cols) (i32.const 2))))
    (local.set $dEnd4 (i32.add (local.get $d0) (i32.shl (i32.and (local.get $cols) (i32.const -4)) (i32.const 2))))
    (memory.fill (local.get $d0) (i32.const 0) (i32.shl (local.get $cols) (i32.const 2)))
    (local.set $s (i32.shl (local.get $src) (i32.const 2)))
    (local.set $sEnd (i32.add (local.get $s) (i32.shl (i32.mul (local.get $rows) (local.get $cols)) (i32.const 2))))
    (block $done
      (loop $row
        (br_if $done (i32.ge_u (local.get $s) (local.get $sEnd)))
        (local.set $d (local.get $d0))
        (block $done4
          (loop $four
            (br_if $done4 (i32.ge_u (local.get $d) (local.get $dEnd4)))
            (v128.store align=4 (local.get $d) (f32x4.add (v128.load align=4 (local.get $d)) (v128.load align=4 (local.get $s))))
            (local.set $d (i32.add (local.get $d) (i32.const 16)))
            (local.set $s (i32.add (local.get $s) (i32.const 16)))
            (br $four)))
        (block $doneTail
          (loop $one
            (br_if $doneTail (i32.ge_u (local.get $d) (local.get $dEnd)))
            (f32.store (local.get $d) (f32.add (f32.load (local.get $d)) (f32.load (local.get $s))))
            (local.set $d (i32.add (local.get $d) (i32.const 4)))
            (local.set $s (i32.add (local.get $s) (i32.const 4)))
            (br $one)))
        (br $row))))

  ;; Σ x[i]² over n floats, in float64: two running sums (even and odd elements), added at the end.
  (func (export "squaredSum") (param $x i32) (param $n i32) (result f64)
    (local $a i32) (local $end i32) (local $end2 i32) (local $acc v128) (local $t v128)
    (local.set $a (i32.shl (local.get $x) (i32.const 2)))
    (local.set $end (i32.add (local.get $a) (i32.shl (local.get $n) (i32.const 2))))
    (local.set $end2 (i32.add (local.get $a) (i32.shl (i32.and (local.get $n) (i32.const -2)) (i32.const 2))))
    (block $done2
      (loop $two
        (br_if $done2 (i32.ge_u (local.get $a) (local.get $end2)))
        (local.set $t (f64x2.promote_low_f32x4 (v128.load64_zero align=4 (local.get $a))))
        (local.set $acc (f64x2.add (local.get $acc) (f64x2.mul (local.get $t) (local.get $t))))
        (local.set $a (i32.add (local.get $a) (i32.const 8)))
        (br $two)))
    (if (i32.lt_u (local.get $a) (local.get $end))
      (then
        (local.set $t (f64x2.splat (f64.promote_f32 (f32.load (local.get $a)))))
        (local.set $acc (f64x2.replace_lane 0 (local.get $acc)
          (f64.add (f64x2.extract_lane 0 (local.get $acc)) (f64.mul (f64x2.extract_lane 0 (local.get $t)) (f64x2.extract_lane 0 (local.get $t))))))))
    (f64.add (f64x2.extract_lane 0 (local.get $acc)) (f64x2.extract_lane 1 (local.get $acc))))

  ;; One Adam step over n parameters, float64 per element as optimizers.ts (float64 also keeps the decaying
  ;; moments of weights without gradient out of float32's subnormal range, which runs ~4× slower):
  ;;   g' = g·scale; m = b1·m + (1 − b1)·g'; v = b2·v + (1 − b2)·g'·g'; p −= lr·(m/c1) / (√(v/c2) + eps)
  (func (export "adam")
    (param $p i32) (param $g i32) (param $m i32) (param $v i32) (param $n i32)
    (param $scale f64) (param $b1 f64) (param $b2 f64) (param $lr f64) (param $c1 f64) (param $c2 f64) (param $eps f64)
    (local $i i32) (local $n2 i32) (local $gi v128) (local $mi v128) (local $vi v128)
    (local $S v128) (local $B1 v128) (local $B1c v128) (local $B2 v128) (local $B2c v128) (local $LR v128) (local $C1 v128) (local $C2 v128) (local $E v128)
    (local.set $S (f64x2.splat (local.get $scale)))
    (local.set $B1 (f64x2.splat (local.get $b1)))
    (local.set $B1c (f64x2.splat (f64.sub (f64.const 1) (local.get $b1))))
    (local.set $B2 (f64x2.splat (local.get $b2)))
    (local.set $B2c (f64x2.splat (f64.sub (f64.const 1) (local.get $b2))))
    (local.set $LR (f64x2.splat (local.get $lr)))
    (local.set $C1 (f64x2.splat (local.get $c1)))
    (local.set $C2 (f64x2.splat (local.get $c2)))
    (local.set $E (f64x2.splat (local.get $eps)))
    (local.set $p (i32.shl (local.get $p) (i32.const 2)))
    (local.set $g (i32.shl (local.get $g) (i32.const 2)))
    (local.set $m (i32.shl (local.get $m) (i32.const 2)))
    (local.set $v (i32.shl (local.get $v) (i32.const 2)))
    (local.set $n2 (i32.and (local.get $n) (i32.const -2)))
    (block $done2
      (loop $two
        (br_if $done2 (i32.ge_u (local.get $i) (local.get $n2)))
        (local.set $gi (f64x2.mul (f64x2.promote_low_f32x4 (v128.load64_zero align=4 (local.get $g))) (local.get $S)))
        (local.set $mi (f64x2.add (f64x2.mul (local.get $B1) (f64x2.promote_low_f32x4 (v128.load64_zero align=4 (local.get $m)))) (f64x2.mul (local.get $B1c) (local.get $gi))))
        (local.set $vi (f64x2.add (f64x2.mul (local.get $B2) (f64x2.promote_low_f32x4 (v128.load64_zero align=4 (local.get $v)))) (f64x2.mul (f64x2.mul (local.get $B2c) (local.get $gi)) (local.get $gi))))
        (v128.store64_lane align=4 0 (local.get $m) (f32x4.demote_f64x2_zero (local.get $mi)))
        (v128.store64_lane align=4 0 (local.get $v) (f32x4.demote_f64x2_zero (local.get $vi)))
        (v128.store64_lane align=4 0 (local.get $p) (f32x4.demote_f64x2_zero (f64x2.sub (f64x2.promote_low_f32x4 (v128.load64_zero align=4 (local.get $p)))
            (f64x2.div (f64x2.mul (local.get $LR) (f64x2.div (local.get $mi) (local.get $C1)))
              (f64x2.add (f64x2.sqrt (f64x2.div (local.get $vi) (local.get $C2))) (local.get $E))))))
        (local.set $p (i32.add (local.get $p) (i32.const 8)))
        (local.set $g (i32.add (local.get $g) (i32.const 8)))
        (local.set $m (i32.add (local.get $m) (i32.const 8)))
        (local.set $v (i32.add (local.get $v) (i32.const 8)))
        (local.set $i (i32.add (local.get $i) (i32.const 2)))
        (br $two)))
    (if (i32.lt_u (local.get $i) (local.get $n))
      (then
        (local.set $gi (f64x2.mul (f64x2.splat (f64.promote_f32 (f32.load (local.get $g)))) (local.get $S)))
        (local.set $mi (f64x2.add (f64x2.mul (local.get $B1) (f64x2.splat (f64.promote_f32 (f32.load (local.get $m))))) (f64x2.mul (local.get $B1c) (local.get $gi))))
        (local.set $vi (f64x2.add (f64x2.mul (local.get $B2) (f64x2.splat (f64.promote_f32 (f32.load (local.get $v))))) (f64x2.mul (f64x2.mul (local.get $B2c) (local.get $gi)) (local.get $gi))))
        (f32.store (local.get $m) (f32.demote_f64 (f64x2.extract_lane 0 (local.get $mi))))
        (f32.store (local.get $v) (f32.demote_f64 (f64x2.extract_lane 0 (local.get $vi))))
        (f32.store (local.get $p) (f32.demote_f64 (f64x2.extract_lane 0 (f64x2.sub (f64x2.splat (f64.promote_f32 (f32.load (local.get $p))))
            (f64x2.div (f64x2.mul (local.get $LR) (f64x2.div (local.get $mi) (local.get $C1)))
              (f64x2.add (f64x2.sqrt (f64x2.div (local.get $vi) (local.get $C2))) (local.get $E))))))))))

  ;; One RMSprop step (torch's, no momentum, not centred), float64 per element as optimizers.ts:
  ;;   g' = g·scale; v = a·v + (1 − a)·g'·g'; p −= lr·g' / (√v + eps)
  (func (export "rmsprop")
    (param $p i32) (param $g i32) (param $v i32) (param $n i32) (param $scale f64) (param $alpha f64) (param $lr f64) (param $eps f64)
    (local $i i32) (local $n2 i32) (local $gi v128) (local $vi v128)
    (local $S v128) (local $A v128) (local $Ac v128) (local $LR v128) (local $E v128)
    (local.set $S (f64x2.splat (local.get $scale)))
    (local.set $A (f64x2.splat (local.get $alpha)))
    (local.set $Ac (f64x2.splat (f64.sub (f64.const 1) (local.get $alpha))))
    (local.set $LR (f64x2.splat (local.get $lr)))
    (local.set $E (f64x2.splat (local.get $eps)))
    (local.set $p (i32.shl (local.get $p) (i32.const 2)))
    (local.set $g (i32.shl (local.get $g) (i32.const 2)))
    (local.set $v (i32.shl (local.get $v) (i32.const 2)))
    (local.set $n2 (i32.and (local.get $n) (i32.const -2)))
    (block $done2
      (loop $two
        (br_if $done2 (i32.ge_u (local.get $i) (local.get $n2)))
        (local.set $gi (f64x2.mul (f64x2.promote_low_f32x4 (v128.load64_zero align=4 (local.get $g))) (local.get $S)))
        (local.set $vi (f64x2.add (f64x2.mul (local.get $A) (f64x2.promote_low_f32x4 (v128.load64_zero align=4 (local.get $v)))) (f64x2.mul (f64x2.mul (local.get $Ac) (local.get $gi)) (local.get $gi))))
        (v128.store64_lane align=4 0 (local.get $v) (f32x4.demote_f64x2_zero (local.get $vi)))
        (v128.store64_lane align=4 0 (local.get $p) (f32x4.demote_f64x2_zero (f64x2.sub (f64x2.promote_low_f32x4 (v128.load64_zero align=4 (local.get $p)))
            (f64x2.div (f64x2.mul (local.get $LR) (local.get $gi)) (f64x2.add (f64x2.sqrt (local.get $vi)) (local.get $E))))))
        (local.set $p (i32.add (local.get $p) (i32.const 8)))
        (local.set $g (i32.add (local.get $g) (i32.const 8)))
        (local.set $v (i32.add (local.get $v) (i32.const 8)))
        (local.set $i (i32.add (local.get $i) (i32.const 2)))
        (br $two)))
    (if (i32.lt_u (local.get $i) (local.get $n))
      (then
        (local.set $gi (f64x2.mul (f64x2.splat (f64.promote_f32 (f32.load (local.get $g)))) (local.get $S)))
        (local.set $vi (f64x2.add (f64x2.mul (local.get $A) (f64x2.splat (f64.promote_f32 (f32.load (local.get $v))))) (f64x2.mul (f64x2.mul (local.get $Ac) (local.get $gi)) (local.get $gi))))
        (f32.store (local.get $v) (f32.demote_f64 (f64x2.extract_lane 0 (local.get $vi))))
        (f32.store (local.get $p) (f32.demote_f64 (f64x2.extract_lane 0 (f64x2.sub (f64x2.splat (f64.promote_f32 (f32.load (local.get $p))))
            (f64x2.div (f64x2.mul (local.get $LR) (local.get $gi)) (f64x2.add (f64x2.sqrt (local.get $vi)) (local.get $E))))))))))
)
