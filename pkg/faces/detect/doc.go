// Package detect finds faces in a photo with pigo's pixel-intensity-comparison cascade (Markuš et al.,
// "Object Detection with Pixel Intensity Comparisons Organized in Decision Trees", 2013), the pure-Go
// stand-in for the MTCNN face detector of EG3D's in-the-wild preprocessing. It only has to give the landmark
// model a starting box: the final crop comes from the landmarks.
package detect
