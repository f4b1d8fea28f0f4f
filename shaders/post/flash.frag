#version 330 core
// Invert, then flash to white: uFlash follows the onset envelope (soft), uStrobe is on while
// the beat envelope is above one half (hard). The CPU folds the envelopes into the amounts.
uniform sampler2D uFrame;
uniform float uInvert;
uniform float uFlash;
uniform float uStrobe;
out vec4 outColor;

void main() {
    vec3 c = texelFetch(uFrame, ivec2(gl_FragCoord.xy), 0).rgb;
    c = mix(c, 1.0 - c, uInvert);
    c = mix(c, vec3(1.0), clamp(uFlash + uStrobe, 0.0, 1.0));
    outColor = vec4(c, 1.0);
}
