from django.urls import path

from articles.api import views

app_name = "articles-api"
urlpatterns = [
    path("articles/", views.ArticleListView.as_view(), name="article-list"),
    path("articles/<slug:slug>/", views.ArticleDetailView.as_view(), name="article-detail"),
    path("articles/<slug:slug>/status/", views.ArticleStatusView.as_view(), name="article-status"),
    path("pending/<slug:slug>/", views.PendingContentView.as_view(), name="pending-content"),
    path("articles/<slug:slug>/changes/", views.ArticleChangesView.as_view(), name="article-changes"),
    path("changes/", views.ChangesFeedView.as_view(), name="changes"),
    path("articles/<slug:slug>/versions/", views.ArticleVersionListView.as_view(), name="article-version-list"),
    path(
        "articles/<slug:slug>/versions/<int:number>/",
        views.ArticleVersionDetailView.as_view(),
        name="article-version-detail",
    ),
]
