#version 330 core
// Unsharp mask at the frame's own resolution, before the upscale: c + amount * (c - blur),
// blur a 3x3 binomial kernel clamped to the edge (a flat picture stays exactly flat).
uniform sampler2D uSource;
uniform float uAmount;
out vec4 outColor;

vec3 at(ivec2 p, ivec2 size) {
    return texelFetch(uSource, clamp(p, ivec2(0), size - 1), 0).rgb;
}

void main() {
    ivec2 size = textureSize(uSource, 0);
    ivec2 p = ivec2(gl_FragCoord.xy);
    vec3 c = at(p, size);
    vec3 edges = at(p + ivec2(1, 0), size) + at(p - ivec2(1, 0), size) +
                 at(p + ivec2(0, 1), size) + at(p - ivec2(0, 1), size);
    vec3 corners = at(p + ivec2(1, 1), size) + at(p + ivec2(-1, 1), size) +
                   at(p + ivec2(1, -1), size) + at(p + ivec2(-1, -1), size);
    vec3 blur = (4.0 * c + 2.0 * edges + corners) / 16.0;
    outColor = vec4(clamp(c + uAmount * (c - blur), 0.0, 1.0), 1.0);
}
