#version 330 core
// Mirror / kaleidoscope: the angle about the centre folded into one wedge of 2 pi / segments,
// mirrored inside it (1 segment: a mirror). Outside the picture the source repeats mirrored.
uniform sampler2D uFrame;
uniform float uSegments;  // >= 1, whole
uniform float uRotate;    // radians
uniform vec2 uResolution;
in vec2 vUv;
out vec4 outColor;

void main() {
    vec2 d = (vUv - 0.5) * uResolution;
    float r = length(d);
    float wedge = 6.28318530718 / uSegments;
    float a = mod(atan(d.y, d.x) - uRotate, wedge);
    a = min(a, wedge - a) + uRotate;
    vec2 uv = r * vec2(cos(a), sin(a)) / uResolution + 0.5;
    vec2 m = mod(uv, 2.0);
    uv = min(m, 2.0 - m);
    outColor = vec4(texture(uFrame, uv).rgb, 1.0);
}
