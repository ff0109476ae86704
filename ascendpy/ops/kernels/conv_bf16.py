"""bfloat16 convolution kernels (910B): conv.py's, the output cast with CAST_RINT."""

from ascendpy import std
from ascendpy.ops.kernels.conv import conv_out, im2col
from ascendpy.std import Ptr, bf16, f16, f32, i32, u32

RINT = std.RoundMode.CAST_RINT


@std.aiv_kernel
def im2col_bf16(x: Ptr[bf16], col: Ptr[bf16], tw: Ptr[u32], win: Ptr[i32], th: Ptr[i32], td: Ptr[i32], c: u32,
                cig: u32, id_: u32, ih: u32, iw: u32, kd: u32, kh: u32, kw: u32, od: u32, oh: u32, ow: u32, u0: u32,
                rows: u32, op: u32, opp: u32, npieces: u32, resident: u32, ktot: u32, mi: u32, mk: u32, groups: u32):
    im2col(bf16, f16, x, col, tw, win, th, td, c, cig, id_, ih, iw, kd, kh, kw, od, oh, ow, u0, rows, op, opp, npieces,
           resident, ktot, mi, mk, groups)


@std.aiv_kernel
def conv_out_bf16(cm: Ptr[f32], bias: Ptr[f32], y: Ptr[bf16], groups: u32, ocg: u32, oc0: u32, ocn: u32, octot: u32,
                  rs: u32, ow: u32, u0: u32, rows: u32, has_bias: u32, prog: Ptr[i32], fl: Ptr[f32],
                  nsteps: u32, s0: Ptr[f32], s1: Ptr[f32], s2: Ptr[f32], s3: Ptr[f32]):
    conv_out(bf16, True, RINT, cm, bias, y, groups, ocg, oc0, ocn, octot, rs, ow, u0, rows, has_bias, prog, fl,
             nsteps, s0, s1, s2, s3)
