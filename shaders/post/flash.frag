#version 330 core
// Flash on onsets (towards white by the onset envelope), invert, strobe on beats (black
// between beats, by the beat envelope).
uniform sampler2D uFrame;
uniform float uFlash;
uniform float uInvert;
uniform float uStrobe;
uniform float uOnsetEnv;
uniform float uBeatEnv;
in vec2 vUv;
out vec4 outColor;

void main() {
    vec3 c = texture(uFrame, vUv).rgb;
    c = mix(c, vec3(1.0), clamp(uFlash * uOnsetEnv, 0.0, 1.0));
    c = mix(c, vec3(1.0) - c, clamp(uInvert, 0.0, 1.0));
    c *= 1.0 - clamp(uStrobe, 0.0, 1.0) * (1.0 - uBeatEnv);
    outColor = vec4(c, 1.0);
}
