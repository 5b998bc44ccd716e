export { createSnackdrawerModule } from './module';
