#version 330 core
// Invert, then flash to white: the flash follows the onset envelope (soft), the strobe is on
// while the beat envelope is above one half (hard); the CPU folds the envelopes into uFlash.
// Runs only when the colour stage does not (color.frag does the same then).
uniform sampler2D uFrame;
uniform float uInvert;
uniform float uFlash;
out vec4 outColor;

void main() {
    vec3 c = texelFetch(uFrame, ivec2(gl_FragCoord.xy), 0).rgb;
    c = mix(c, 1.0 - c, uInvert);
    c = mix(c, vec3(1.0), uFlash);
    outColor = vec4(c, 1.0);
}
