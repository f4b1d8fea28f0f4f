#version 330 core
// One axis of the separable Lanczos-3 resize (x into an output-width x frame-height target,
// then y). The taps come from a table that the CPU builds once per mapping (post_chain.cpp,
// lanczosTable): row r holds, for target pixel r along the axis, pairs of (source texel index,
// weight). The weights are normalised, the indices clamped to the edge (mirrored for the tile
// mode), and they are all zero outside the picture in the fit mode (black). No sin, no branch
// per pixel: on llvmpipe this is ~10x cheaper than evaluating the kernel here.
uniform sampler2D uSource;
uniform sampler2D uTable;  // RGBA32F, (index, weight, index, weight), nearest
uniform int uAxis;         // 0: along x (rows pass through), 1: along y
uniform int uPairs;        // table columns
out vec4 outColor;

vec3 pair(ivec2 p, int row, int k) {
    vec4 e = texelFetch(uTable, ivec2(k, row), 0);
    ivec2 a = uAxis == 0 ? ivec2(int(e.x), p.y) : ivec2(p.x, int(e.x));
    ivec2 b = uAxis == 0 ? ivec2(int(e.z), p.y) : ivec2(p.x, int(e.z));
    return e.y * texelFetch(uSource, a, 0).rgb + e.w * texelFetch(uSource, b, 0).rgb;
}

void main() {
    ivec2 p = ivec2(gl_FragCoord.xy);
    int row = uAxis == 0 ? p.x : p.y;
    vec3 sum;
    if (uPairs == 3) {  // enlarging (the usual case), unrolled
        sum = pair(p, row, 0) + pair(p, row, 1) + pair(p, row, 2);
    } else {
        sum = vec3(0.0);
        for (int k = 0; k < uPairs; ++k) sum += pair(p, row, k);
    }
    outColor = vec4(clamp(sum, 0.0, 1.0), 1.0);
}
